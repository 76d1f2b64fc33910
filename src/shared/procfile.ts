// Procfile parser: `type: command` per line, Heroku's grammar (blank lines
// and # comments allowed). A malformed line is an error that names the
// line, never silently skipped. The limits keep every command well inside
// what one execve argument can carry (Linux: 128 KiB), so an over-long one
// fails the build before any release is made instead of every start.
import { fail } from './errors.js';
import type { ProcessTypes } from './types.js';

export const PROCFILE_LIMITS = Object.freeze({
  /** Bytes of the whole file. */
  fileBytes: 64 * 1024,
  /** Bytes of one command. */
  commandBytes: 8 * 1024,
  processTypes: 50,
  typeNameLength: 63,
});

const LINE = /^([A-Za-z0-9_-]+):\s*(.+)$/;
// Names of JavaScript's object machinery: process types are object keys.
const OBJECT_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const KiB = (n: number) => `${n / 1024} KiB`;
const shown = (raw: string) => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}...` : raw);
const LONG_HINT = 'move the long command into a script in the repo (for example bin/web) and put "web: bin/web" in the Procfile';

export function checkProcfileSize(bytes: number): void {
  if (bytes > PROCFILE_LIMITS.fileBytes) {
    throw fail('invalid_procfile', `the Procfile is ${Math.ceil(bytes / 1024)} KiB, more than the limit of ${KiB(PROCFILE_LIMITS.fileBytes)}`, LONG_HINT);
  }
}

function parseLine(raw: string, n: number): [type: string, command: string] {
  const m = LINE.exec(raw.trim());
  if (!m) {
    throw fail('invalid_procfile', `Procfile line ${n} is not "type: command": ${shown(raw)}`,
      'each line must look like "web: node server.js"; process types use letters, digits, _ and -');
  }
  const type = m[1]!;
  const command = m[2]!.trim();
  if (type.length > PROCFILE_LIMITS.typeNameLength) {
    throw fail('invalid_procfile', `Procfile line ${n}: the process type name is longer than ${PROCFILE_LIMITS.typeNameLength} characters`, 'use a short name such as "web" or "worker"');
  }
  if (OBJECT_KEYS.has(type)) throw fail('invalid_procfile', `Procfile line ${n}: "${type}" cannot be a process type name`, 'choose another name, such as "web" or "worker"');
  const bytes = Buffer.byteLength(command);
  if (bytes > PROCFILE_LIMITS.commandBytes) {
    throw fail('invalid_procfile',
      `Procfile line ${n}: the command of "${type}" is ${Math.ceil(bytes / 1024)} KiB, more than the limit of ${KiB(PROCFILE_LIMITS.commandBytes)} per command`, LONG_HINT);
  }
  if (command.includes('\0')) throw fail('invalid_procfile', `Procfile line ${n}: the command of "${type}" contains a NUL byte`, 'remove it');
  return [type, command];
}

export function parseProcfile(text: string): ProcessTypes {
  const types: ProcessTypes = {};
  // An editor's byte-order mark is not part of the first type's name.
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [type, command] = parseLine(raw, i + 1);
    if (Object.hasOwn(types, type)) {
      throw fail('invalid_procfile', `Procfile line ${i + 1} repeats the process type "${type}"`, 'keep one line per process type');
    }
    if (Object.keys(types).length >= PROCFILE_LIMITS.processTypes) {
      throw fail('invalid_procfile', `Procfile line ${i + 1}: more than ${PROCFILE_LIMITS.processTypes} process types`, 'run related processes from one type, or split the app');
    }
    types[type] = command;
  });
  // After the lines: an over-long command is the likelier cause, and says more.
  checkProcfileSize(Buffer.byteLength(text));
  return types;
}
