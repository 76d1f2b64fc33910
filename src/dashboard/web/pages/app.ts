// One app: a header with its live state and URL, and a tab per concern.
// Each tab is a thin view over the same /api/v1 routes the CLI uses.
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { FunctionComponent } from 'preact';
import { api, enc } from '../api.js';
import { openStream } from '../sse.js';
import { ErrorBox, Loading, StateBadge } from '../ui.js';
import type { AppStatus } from './apps.js';
import { Overview } from '../tabs/overview.js';
import { Releases } from '../tabs/releases.js';
import { Builds } from '../tabs/builds.js';
import { Logs } from '../tabs/logs.js';
import { ConfigVars } from '../tabs/config.js';
import { Scale } from '../tabs/scale.js';
import { Domains } from '../tabs/domains.js';
import { Certs } from '../tabs/certs.js';
import { Metrics } from '../tabs/metrics.js';
import { Settings } from '../tabs/settings.js';
import { Activity } from '../tabs/activity.js';
import { Run } from '../tabs/run.js';
import { Cron } from '../tabs/cron.js';

export interface AppInfo {
  name: string; currentRelease: number; createdAt: number; url: string; gitUrl: string;
  formation: Record<string, number>; processTypes: Record<string, string | null>; processes: number; domains: string[];
  /** storage:mount's mounts (`source:path`), each for every process type or the ones named. */
  storage?: { mount: string; kind: string; processes: string[] | null }[];
}

export interface TabProps { app: string; info: AppInfo; status: AppStatus | null; reload: () => Promise<void> }

const TABS: [string, string, FunctionComponent<TabProps>][] = [
  ['overview', 'Overview', Overview], ['releases', 'Releases', Releases], ['builds', 'Builds', Builds], ['logs', 'Logs', Logs],
  ['run', 'Run', Run], ['config', 'Config vars', ConfigVars], ['scale', 'Scale', Scale], ['domains', 'Domains', Domains], ['certs', 'Certificates', Certs],
  ['metrics', 'Metrics', Metrics], ['activity', 'Activity', Activity], ['cron', 'Cron', Cron], ['settings', 'Settings', Settings],
];

export function AppPage({ app, tab }: { app: string; tab: string }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(async () => {
    try { setInfo((await api<{ app: AppInfo }>('GET', `/apps/${enc(app)}`)).app); setError(null); } catch (err) { setError(err); }
  }, [app]);
  useEffect(() => {
    setInfo(null);
    void reload();
    const s = openStream(`/status/stream?app=${enc(app)}`, { apps: (d) => setStatus(d.apps[0] ?? null) });
    return () => s.close();
  }, [app]);
  // A new release (deploy, config change, rollback) changes what the tabs show.
  useEffect(() => { if (status && info && status.currentRelease !== info.currentRelease) void reload(); }, [status?.currentRelease]);
  const current = TABS.find(([id]) => id === tab) ?? TABS[0]!;
  useEffect(() => {
    document.title = `${app} · ${current[1]} · Berth`;
    // On a phone the tab bar scrolls sideways: keep the open tab in sight.
    document.querySelector('.tabs [aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [app, current[1]]);
  const Tab = current[2];
  return html`<main id="main" class="page">
    <div class="page-head">
      <h1><a href="/" class="crumb">Apps</a> <span aria-hidden="true">/</span> ${app}</h1>
      ${status ? html`<${StateBadge} state=${status.state} />` : null}
      <div class="grow"></div>
      ${info ? html`<a class="btn" href=${info.url} target="_blank" rel="noopener">Open app</a>` : null}
    </div>
    <nav class="tabs" aria-label="App sections">
      ${TABS.map(([id, label]) => html`<a href=${`/apps/${app}${id === 'overview' ? '' : `/${id}`}`} aria-current=${id === current[0] ? 'page' : undefined}>${label}</a>`)}
    </nav>
    <${ErrorBox} error=${error} />
    ${info ? html`<${Tab} app=${app} info=${info} status=${status} reload=${reload} />` : error ? null : html`<${Loading} what=${app} />`}
  </main>`;
}
