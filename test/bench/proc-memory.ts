// Resident memory of a Berth server and its router processes, from /proc.
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

/**
 * The router's processes: with more than one worker, the server runs the
 * router as a process of its own (src/main/router-process.ts) whose cluster
 * workers serve; with one, it serves in the server process itself.
 */
export async function routerProcesses(berth: { pid(): number | undefined; routerPid(): Promise<number | undefined> }): Promise<{ label: string; pid: number }[]> {
  const own = await berth.routerPid();
  if (!own) return routerWorkers(berth.pid()!).map((pid) => ({ label: 'worker', pid }));
  return [{ label: 'router', pid: own }, ...routerWorkers(own).map((pid) => ({ label: 'worker', pid }))];
}

/** "router 60 MB (20), worker 57 MB (15), ...": RSS (private) of each. */
export async function routerMemLine(berth: Parameters<typeof routerProcesses>[0]): Promise<string> {
  const procs = await routerProcesses(berth);
  return procs.length === 0 ? 'router in the server process' : procs.map((p) => { const m = memMb(p.pid); return `${p.label} ${m.rss} MB (${m.anon})`; }).join(', ');
}
