// Procfile parser: `type: command` per line, Heroku's grammar. A malformed
// line is an error that names the line, never silently skipped.
import { badRequest } from './errors.js';
import type { ProcessTypes } from './types.js';

const LINE = /^([A-Za-z0-9_-]+):\s*(.+)$/;

export function parseProcfile(text: string): ProcessTypes {
  const types: ProcessTypes = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) {
      throw badRequest('invalid_procfile', `Procfile line ${i + 1} is not "type: command": ${JSON.stringify(raw.slice(0, 80))}`,
        'each line must look like "web: node server.js"');
    }
    const [, type, command] = m as unknown as [string, string, string];
    if (type in types) {
      throw badRequest('invalid_procfile', `Procfile line ${i + 1} repeats the process type "${type}"`, 'keep one line per process type');
    }
    types[type] = command.trim();
  });
  return types;
}
