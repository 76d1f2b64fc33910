// Every Docker object Berth creates carries these labels (design §3), and
// Berth only ever deletes objects that carry them.
export type Role = 'build' | 'run' | string;

export const LABEL = {
  app: 'berth.app',
  release: 'berth.release',
  process: 'berth.process',
  role: 'berth.role',
} as const;

export function berthLabels(app: string, release: string, process: string, role: Role): Record<string, string> {
  return { [LABEL.app]: app, [LABEL.release]: release, [LABEL.process]: process, [LABEL.role]: role };
}

export function isBerthOwned(labels: Record<string, string> | undefined | null): boolean {
  return !!labels && typeof labels[LABEL.app] === 'string';
}

/** Docker API filter for objects of one app, optionally narrowed further. */
export function labelFilter(app: string, extra: Partial<Record<keyof typeof LABEL, string>> = {}): { label: string[] } {
  const label = [`${LABEL.app}=${app}`];
  for (const [k, v] of Object.entries(extra)) label.push(`${LABEL[k as keyof typeof LABEL]}=${v}`);
  return { label };
}
