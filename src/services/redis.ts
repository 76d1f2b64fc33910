// The redis kind: Redis 7 from Debian (deploy/stack/services/redis.Dockerfile),
// append-only on its volume, password required (requirepass). The password
// reaches redis-server through the environment, not its argv, so `ps` in the
// container does not show it; redis-cli reads it from REDISCLI_AUTH.
import type { ServiceKind, ServiceSecrets } from './service-kind.js';
import { redisBackup } from './redis-backup.js';

export function redisKind(image: string): ServiceKind {
  return {
    kind: 'redis',
    image,
    envVar: 'REDIS_URL',
    port: 6379,
    dataPath: '/data',
    container: (s: ServiceSecrets) => ({
      // Written to a file first, so the password is not in redis-server's argv.
      cmd: ['/bin/sh', '-c', 'umask 077 && printf "requirepass %s\\n" "$REDISCLI_AUTH" > /tmp/berth-auth.conf && exec redis-server /tmp/berth-auth.conf --port 6379 --bind 0.0.0.0 --protected-mode no --dir /data --appendonly yes --save 60 1'],
      env: { REDISCLI_AUTH: s.password },
      user: 'redis',
    }),
    url: (host, s) => `redis://:${encodeURIComponent(s.password)}@${host}:6379`,
    healthCommand: () => ['/bin/sh', '-c', 'redis-cli -h 127.0.0.1 ping | grep -qx PONG'],
    versionCommand: () => ['/bin/sh', '-c', "redis-cli -h 127.0.0.1 info server | sed -n 's/^redis_version://p' | tr -d '\\r'"],
    // An RDB snapshot, checked by redis-check-rdb, restored offline as dump.rdb and the AOF base (redis-backup.ts).
    ...redisBackup('/data'),
  };
}
