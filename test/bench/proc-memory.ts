// Resident memory of a Berth server and its router cluster workers, from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** VmRSS and RssAnon (private: not the node binary's shared pages) of a pid, in MB. */
export function memMb(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
  return { rss: mb('VmRSS'), anon: mb('RssAnon') };
}

/** The server's router cluster workers (its other children are redis-server, git...). */
export function routerWorkers(pid: number): number[] {
  const kids = execFileSync('sh', ['-c', `pgrep -P ${pid} || true`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  return kids.filter((k) => { try { return readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('cluster-worker'); } catch { return false; } });
}
