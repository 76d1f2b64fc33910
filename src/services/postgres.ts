// The postgres kind: PostgreSQL 15 from Debian (deploy/stack/services/postgres.Dockerfile).
// The entrypoint initialises an empty volume once with the generated password;
// local connections inside the container use peer auth, so exec'd commands
// need no password, and every TCP client needs it (scram-sha-256).
import type { ServiceKind, ServiceSecrets } from './service-kind.js';
import { postgresBackup } from './postgres-backup.js';

const DB = 'postgres';

export function postgresKind(image: string): ServiceKind {
  return {
    kind: 'postgres',
    image,
    envVar: 'DATABASE_URL',
    port: 5432,
    dataPath: '/var/lib/postgresql/data',
    container: (s: ServiceSecrets) => ({ cmd: ['/usr/local/bin/berth-postgres'], env: { POSTGRES_PASSWORD: s.password }, user: 'postgres' }),
    url: (host, s) => `postgres://postgres:${encodeURIComponent(s.password)}@${host}:5432/${DB}`,
    // Over TCP, so it passes only once the real server (not initdb) listens.
    healthCommand: () => ['pg_isready', '-q', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres'],
    versionCommand: () => ['psql', '-XtAc', 'SHOW server_version', DB],
    // pg_dump -Fc, checked by pg_restore reading every block, restored in one transaction (postgres-backup.ts).
    ...postgresBackup(DB),
  };
}
