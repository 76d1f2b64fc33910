// Progress while a slow call runs (a deploy after config:set can take a
// while): `Setting FOO and restarting my-app... ⠹` on stderr, ending as
// `... done, v4`. The animation is for terminals only: a pipe or a log file
// gets just the final line, as the Heroku CLI does.
import type { Output } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const INTERVAL_MS = 80;

/**
 * Runs `work` with a spinner labelled `label`. `done` turns the result into
 * the text after `done` (`, v4`); a failure ends the line with `failed`.
 */
export async function withSpinner<T>(out: Output, label: string, work: () => Promise<T>, done?: (result: T) => string): Promise<T> {
  const stderr = out.stderr;
  if (!stderr.isTTY) {
    const result = await work();
    stderr.write(`${label}... done${done ? done(result) : ''}\n`);
    return result;
  }
  let frame = 0;
  const draw = () => stderr.write(`\r${label}... ${FRAMES[frame++ % FRAMES.length]}`);
  draw();
  const timer = setInterval(draw, INTERVAL_MS);
  try {
    const result = await work();
    clearInterval(timer);
    stderr.write(`\r${label}... done${done ? done(result) : ''}\x1b[K\n`);
    return result;
  } catch (err) {
    clearInterval(timer);
    stderr.write(`\r${label}... failed\x1b[K\n`);
    throw err;
  }
}
