// What the apps page needs of many apps, read in two pipelined round trips
// instead of several per app: the record, current release, formation,
// stopped flag and newest build.
import type { AppName } from '../shared/app-name.js';
import type { AppRecord, Build, Release } from '../shared/types.js';
import type { RedisHandle } from './redis.js';

export interface AppSnapshot {
  readonly app: AppRecord;
  readonly release?: Release;
  readonly formation: Record<string, number>;
  readonly stopped: boolean;
  readonly build?: Build;
}

type Row = [Error | null, unknown];

export async function readAppSnapshots(r: RedisHandle, names: readonly AppName[]): Promise<AppSnapshot[]> {
  const first = r.client.pipeline();
  for (const n of names) {
    first.hgetall(r.key('app', n)).hgetall(r.key('app', n, 'formation')).exists(r.key('app', n, 'stopped')).lindex(r.key('app', n, 'builds'), 0);
  }
  const a = ((await first.exec()) ?? []) as Row[];
  const second = r.client.pipeline();
  names.forEach((n, i) => {
    const rec = a[i * 4]![1] as Record<string, string>;
    second.hget(r.key('app', n, 'releases'), String(rec.currentRelease ?? 0));
    const buildId = a[i * 4 + 3]![1] as string | null;
    second.get(r.key('build', buildId ?? '-none-'));
  });
  const b = ((await second.exec()) ?? []) as Row[];
  const out: AppSnapshot[] = [];
  names.forEach((name, i) => {
    const rec = a[i * 4]![1] as Record<string, string>;
    if (!rec.name) return;
    const formation = Object.fromEntries(Object.entries(a[i * 4 + 1]![1] as Record<string, string>).map(([k, v]) => [k, Number(v)]));
    const release = b[i * 2]![1] as string | null;
    const build = b[i * 2 + 1]![1] as string | null;
    out.push({
      app: { name, createdAt: Number(rec.createdAt ?? 0), currentRelease: Number(rec.currentRelease ?? 0) },
      release: release ? (JSON.parse(release) as Release) : undefined,
      formation, stopped: a[i * 4 + 2]![1] === 1,
      build: build ? (JSON.parse(build) as Build) : undefined,
    });
  });
  return out;
}
