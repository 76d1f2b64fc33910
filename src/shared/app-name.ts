import { fail } from './errors.js';

// Validated once at the edge; everything inside takes the branded type so an
// unchecked string cannot reach a Docker name, a path or a Redis key.
export type AppName = string & { readonly __brand: 'AppName' };

export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{0,29}$/;

// Names that would collide with Berth's own hostnames or paths.
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([
  'api', 'www', 'admin', 'dashboard', 'berth', 'git', 'internal', 'healthz', 'metrics', 'static', 'assets', 'login',
]);

export function parseAppName(raw: unknown): AppName {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw fail('invalid_app_name', 'an app name is required');
  }
  if (!APP_NAME_PATTERN.test(raw) || raw.endsWith('-')) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw fail('invalid_app_name',
      `invalid app name "${shown}": use 1-30 lowercase letters, digits and dashes, starting with a letter`,
      'for example: my-app',
    );
  }
  if (RESERVED_APP_NAMES.has(raw)) {
    throw fail('reserved_app_name', `the app name "${raw}" is reserved by Berth`, 'choose another name');
  }
  return raw as AppName;
}
