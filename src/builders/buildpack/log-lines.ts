// Buildpack output already speaks Heroku's push format; each line is passed
// on as what it is: "-----> " a step, " !     " an error, 7-space detail,
// and anything else (a tool's own output) as raw, indented detail.
import type { BuildLog } from '../../shared/build-log.js';

const STEP = /^-----> ?(.*)$/;
const ERROR = /^ ! {5}(.*)$/;
const DETAIL = /^ {7}(.*)$/;

export function buildpackLine(log: BuildLog): (line: string) => void {
  return (raw) => {
    const line = raw.replace(/\r$/, '');
    let m: RegExpExecArray | null;
    if ((m = STEP.exec(line))) log.step(m[1]!);
    else if ((m = ERROR.exec(line))) log.error(m[1]!);
    else if ((m = DETAIL.exec(line))) log.raw(m[1]!);
    else if (line.trim()) log.raw(line);
  };
}
