// Backup, check and restore of a redis service, for the redis kind file.
// The snapshot is taken with `redis-cli --rdb` into a temp file in the
// container and then sent out: Redis 7.0's `--rdb -` leaves replication's
// 40-byte EOF mark at the end of stdout, which an AOF base file refuses.
// A restore stops the service, puts the RDB in the volume both as dump.rdb
// and as the base of a fresh multi-part AOF (with appendonly on, Redis 7
// ignores dump.rdb when it starts), then starts it again.
import type { ServiceHandle, ServiceSecrets } from './service-kind.js';
import { kindStepFailed } from './backup-errors.js';

export function redisBackup(dataPath: string) {
  return {
    backupExtension: 'rdb',
    async backup(h: ServiceHandle, _s: ServiceSecrets, out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
      // REDISCLI_AUTH is in the service's environment (redis.ts), so the password is in no argv.
      const script = 'f=$(mktemp) || exit 1; trap \'rm -f "$f"\' EXIT; redis-cli --rdb "$f" >&2 && cat "$f"';
      const { code, stderr } = await h.exec(['sh', '-c', script], { stdout: out, signal });
      if (code !== 0) throw kindStepFailed('redis-cli --rdb', code, stderr);
    },
    verifyCommand: (): string[] => ['sh', '-c', 'f=$(mktemp) || exit 1; trap \'rm -f "$f"\' EXIT; cat > "$f" && redis-check-rdb "$f"'],
    async restore(h: ServiceHandle, _s: ServiceSecrets, input: NodeJS.ReadableStream): Promise<void> {
      // Written beside the data first and checked, then swapped in: a bad file leaves the old data as it was.
      const script = [
        'set -e', `cd '${dataPath}'`, 't=.berth-restore', 'rm -rf "$t"', 'mkdir "$t"',
        'cat > "$t/appendonly.aof.1.base.rdb"', 'redis-check-rdb "$t/appendonly.aof.1.base.rdb" >/dev/null',
        'printf "file appendonly.aof.1.base.rdb seq 1 type b\\n" > "$t/appendonly.aof.manifest"',
        'cp "$t/appendonly.aof.1.base.rdb" dump.rdb.new', 'rm -rf appendonlydir', 'mv "$t" appendonlydir', 'mv dump.rdb.new dump.rdb',
      ].join('\n');
      // A stop that fails or times out still ends in a start: the service is never left stopped.
      try {
        await h.stop();
        const { code, stderr } = await h.runWithVolume(['sh', '-c', script], { stdin: input });
        if (code !== 0) throw kindStepFailed('the RDB restore', code, stderr);
      } finally {
        await h.start();
      }
    },
  };
}
