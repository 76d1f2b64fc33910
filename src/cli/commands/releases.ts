// releases, rollback
import { usageError } from '../args.js';
import { seg } from '../client.js';
import { ago } from '../output.js';
import { withSpinner } from '../spinner.js';
import { renderTable, truncate } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface ReleaseRow {
  version: number; description: string; createdAt: number; status: string; current: boolean; rev?: string;
  failure?: { reason: string; lastLines: string[] };
}

const list: Command = {
  name: 'releases',
  summary: 'List the app\'s releases, newest first',
  description: 'Lists releases: version, status, what changed (a deploy of a commit, a config change, a rollback) and when.\n'
    + 'The release now serving is marked with *.',
  examples: ['berth releases my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<{ releases: ReleaseRow[] }>('GET', `/apps/${seg(app)}/releases`);
    if (flags.json) return out.json(body);
    out.header(`${app} Releases`);
    if (body.releases.length === 0) {
      out.info(`${app} has no releases yet: git push to deploy it.`);
      return;
    }
    out.line(renderTable(['', 'Version', 'Status', 'Description', 'Created'], body.releases.map((r) => [
      r.current ? '*' : '', `v${r.version}`, r.status, truncate(r.description, 60), ago(r.createdAt),
    ])));
    // A release failed after go-live (the watch rolled it back): why, with its last lines.
    const failed = body.releases.find((r) => r.failure);
    if (failed?.failure) {
      out.line('');
      out.line(`v${failed.version} failed after go-live: ${failed.failure.reason.replace(/^v\d+ (crashed|failed its health check) after go-live: /, '$1, ')}`);
      for (const l of failed.failure.lastLines.slice(-5)) out.line(`  ${l}`);
    }
  },
};

/** `v3` or `3` to 3; anything else is a usage error before any request. */
export function parseVersion(raw: string): number {
  const m = /^v?(\d+)$/i.exec(raw);
  if (!m || Number(m[1]) < 1) throw usageError(`"${raw}" is not a release`, 'give a version such as v3 (see berth releases)');
  return Number(m[1]);
}

const rollback: Command = {
  name: 'rollback',
  aliases: ['releases:rollback'],
  summary: 'Roll back to an earlier release (a new release)',
  usage: '[vN]',
  description: 'Makes a new release from vN\'s image and config, and deploys it with zero downtime.\n'
    + 'Without vN it goes back to the release before the current one. History is never rewritten.',
  examples: ['berth rollback my-app', 'berth rollback my-app v3'],
  app: true,
  json: true,
  args: [0, 1],
  async run({ api, app, args, out, flags }) {
    const version = args[0] === undefined ? undefined : parseVersion(args[0]);
    const client = await api();
    const label = `Rolling back ${app}${version ? ` to v${version}` : ''}`;
    const body = await withSpinner(out, label,
      () => client.request<{ release: ReleaseRow }>('POST', `/apps/${seg(app)}/rollback`, { body: version ? { version } : {} }),
      (r) => `, v${r.release.version}`);
    if (flags.json) return out.json(body);
    out.line(`v${body.release.version}: ${body.release.description}`);
  },
};

export const releasesGroup: CommandGroup = { title: 'Releases', commands: [list, rollback] };
