// Backup records and backup schedules of backing services. A record is
// written as `running` before a byte is dumped, and ends `succeeded` only
// after its file was written AND checked; anything else ends it `failed`
// with the reason. A record left `running` by a server that died mid-way is
// reported failed once its deadline has passed, so no backup stays silent.
import { randomBytes } from 'node:crypto';
import type { RedisHandle } from './redis.js';

export type BackupStatus = 'running' | 'succeeded' | 'failed';
export type BackupTrigger = 'manual' | 'schedule';

export interface BackupRecord {
  readonly id: string;
  readonly service: string;
  readonly kind: string;
  /** The file name in the backup store. */
  readonly file: string;
  /** Where it was written (`local <dir>`, `s3://bucket/prefix`). */
  readonly store: string;
  readonly trigger: BackupTrigger;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly durationMs?: number;
  readonly size?: number;
  readonly status: BackupStatus;
  /** What the check after the write found (`pg_restore read 12 entries`); set once it ran. */
  readonly check?: string;
  readonly error?: string;
  /** Set when retention removed the file; the record stays as history. */
  readonly removedAt?: number;
}

export interface BackupSchedule {
  readonly service: string;
  readonly cron: string;
  readonly keep: number;
  readonly createdAt: number;
}

const recordKey = (r: RedisHandle, service: string, id: string) => r.key('service', service, 'backup', id);
const listKey = (r: RedisHandle, service: string) => r.key('service', service, 'backups');
const scheduleKey = (r: RedisHandle, service: string) => r.key('service', service, 'backup-schedule');
const schedulesKey = (r: RedisHandle) => r.key('backup-schedules');

/** Sortable by time (UTC), unique across servers: 20261207-040312-1a2b3c. */
export function newBackupId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A new record, newest first in its service's list. */
export async function addBackup(r: RedisHandle, b: BackupRecord): Promise<void> {
  await r.client.multi().set(recordKey(r, b.service, b.id), JSON.stringify(b)).lpush(listKey(r, b.service), b.id).exec();
}

/** Drops records (their files are the caller's to remove first). */
export async function dropBackups(r: RedisHandle, service: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const m = r.client.multi();
  for (const id of ids) m.lrem(listKey(r, service), 0, id).del(recordKey(r, service, id));
  await m.exec();
}

export async function getBackup(r: RedisHandle, service: string, id: string): Promise<BackupRecord | undefined> {
  const raw = await r.client.get(recordKey(r, service, id));
  return raw ? (JSON.parse(raw) as BackupRecord) : undefined;
}

/** Newest first. A `running` record past `deadlineMs` is marked failed here (its server stopped mid-way). */
export async function listBackups(r: RedisHandle, service: string, deadlineMs: number): Promise<BackupRecord[]> {
  const ids = await r.client.lrange(listKey(r, service), 0, -1);
  if (ids.length === 0) return [];
  const raws = await r.client.mget(...ids.map((id) => recordKey(r, service, id)));
  const out: BackupRecord[] = [];
  for (const raw of raws) {
    if (!raw) continue;
    let b = JSON.parse(raw) as BackupRecord;
    if (b.status === 'running' && Date.now() - b.startedAt > deadlineMs) {
      b = { ...b, status: 'failed', finishedAt: b.startedAt + deadlineMs, error: 'did not finish within BERTH_BACKUP_TIMEOUT_SEC: the server running it stopped or hung' };
      await r.client.set(recordKey(r, service, b.id), JSON.stringify(b));
    }
    out.push(b);
  }
  return out;
}

export async function updateBackup(r: RedisHandle, b: BackupRecord): Promise<void> {
  await r.client.set(recordKey(r, b.service, b.id), JSON.stringify(b), 'XX');
}

/** A destroyed service's records and schedule. Returns the records so their files can be removed. */
export async function forgetBackups(r: RedisHandle, service: string): Promise<BackupRecord[]> {
  const all = await listBackups(r, service, Number.MAX_SAFE_INTEGER);
  const m = r.client.multi().del(listKey(r, service), scheduleKey(r, service)).srem(schedulesKey(r), service);
  for (const b of all) m.del(recordKey(r, service, b.id));
  await m.exec();
  return all;
}

export async function setSchedule(r: RedisHandle, s: BackupSchedule): Promise<void> {
  await r.client.multi().set(scheduleKey(r, s.service), JSON.stringify(s)).sadd(schedulesKey(r), s.service).exec();
}

export async function getSchedule(r: RedisHandle, service: string): Promise<BackupSchedule | undefined> {
  const raw = await r.client.get(scheduleKey(r, service));
  return raw ? (JSON.parse(raw) as BackupSchedule) : undefined;
}

export async function removeSchedule(r: RedisHandle, service: string): Promise<boolean> {
  const res = await r.client.multi().del(scheduleKey(r, service)).srem(schedulesKey(r), service).exec();
  return (res?.[0]?.[1] as number) > 0;
}

export async function listSchedules(r: RedisHandle): Promise<BackupSchedule[]> {
  const names = await r.client.smembers(schedulesKey(r));
  const all = await Promise.all(names.map((n) => getSchedule(r, n)));
  return all.filter((s): s is BackupSchedule => s !== undefined);
}
