// Small formatting helpers shared by the pages.

export function ago(ms: number | string | undefined): string {
  if (ms === undefined || ms === '' || ms === 0) return '';
  const t = typeof ms === 'number' ? ms : Date.parse(ms);
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

export const stamp = (ms: number | string | undefined) =>
  ms === undefined || ms === '' ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

export const formationText = (f: Record<string, number>) =>
  Object.entries(f).map(([t, n]) => `${t}=${n}`).join(' ') || 'none';

/** Class for a build-log line, after the push output's markers. */
export function lineKind(line: string): string {
  if (line.startsWith('-----> ')) return 'step';
  if (line.startsWith(' !     ')) return 'fail';
  return 'detail';
}
