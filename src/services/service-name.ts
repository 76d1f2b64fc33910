// Service names: the same rule shape as app names (design §3), validated once
// at the edge into a branded type, so no unchecked string reaches a Docker
// name, a Redis key or an env var name.
import { fail } from '../shared/errors.js';

export type ServiceName = string & { readonly __brand: 'ServiceName' };

export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,29}$/;

// Words that read as a kind or a Berth object rather than one service.
export const RESERVED_SERVICE_NAMES: ReadonlySet<string> = new Set([
  'api', 'admin', 'berth', 'internal', 'postgres', 'redis', 'service', 'services', 'localhost', 'host', 'default', 'none',
]);

export function parseServiceName(raw: unknown): ServiceName {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw fail('invalid_service_name', 'a service name is required', 'for example: berth services:create postgres db');
  }
  if (!SERVICE_NAME_PATTERN.test(raw) || raw.endsWith('-')) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw fail('invalid_service_name',
      `invalid service name "${shown}": use 1-30 lowercase letters, digits and dashes, starting with a letter`, 'for example: db or orders-db');
  }
  if (RESERVED_SERVICE_NAMES.has(raw)) {
    throw fail('reserved_service_name', `the service name "${raw}" is reserved by Berth`, 'choose another name, such as db');
  }
  return raw as ServiceName;
}
