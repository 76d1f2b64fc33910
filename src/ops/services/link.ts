// services:link, services:unlink, services:promote. A link puts the service
// on the app's network, then sets its URL in the app's config (DATABASE_URL /
// REDIS_URL for the first of a kind, <NAME>_URL after, link-env.ts) in a new
// release; unlink drops the var in a new release, then takes the service off
// the app's network. An app being destroyed drops its links without a release.
import { fail } from '../../shared/errors.js';
import { envVarForLink, promotePlan } from '../../services/link-env.js';
import { getConfigVars } from '../../store/apps.js';
import { getServiceLinks, listServiceNames, removeServiceLink, setServiceLink } from '../../store/services.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { applyVars } from './apply-vars.js';
import { linksOfApp, requireService } from './lookup.js';
import { waitReady } from './ready.js';

export interface LinkResult { readonly service: string; readonly app: string; readonly envVar: string; readonly release?: number; readonly log: string[] }

export async function servicesLink(input: { name: unknown; app: unknown }, deps: OpsDeps): Promise<LinkResult> {
  const ctx = await requireService(input.name, deps);
  const app = await requireApp(input.app, deps);
  const name = ctx.record.name;
  const existing = (await getServiceLinks(deps.redis, name))[app.name];
  if (existing) throw fail('already_linked', `${name} is already linked to ${app.name} as ${existing}`, `to link it again, first run: berth services:unlink ${name} ${app.name}`);
  const config = await getConfigVars(deps.redis, app.name);
  const links = await linksOfApp(app.name, deps);
  const envVar = envVarForLink(ctx.kind.envVar, name, links, config);
  if (envVar in config) {
    throw fail('config_var_taken', `${app.name} already has a config var ${envVar}, which the link would replace`,
      `unset it first (berth config:unset ${app.name} ${envVar}), or name the service differently`);
  }
  const host = await ctx.runtime.link(name, app.name);
  // Where linking restarts the service (a Swarm service update), the app's new release waits for it.
  await waitReady(ctx, deps);
  await setServiceLink(deps.redis, name, app.name, envVar);
  try {
    const out = await applyVars(app, { set: { [envVar]: ctx.kind.url(host, ctx.secrets) }, unset: [], description: `Attach ${name} as ${envVar}` }, deps);
    return { service: name, app: app.name, envVar, ...out };
  } catch (err) {
    await removeServiceLink(deps.redis, name, app.name);
    await ctx.runtime.unlink(name, app.name).catch(() => {});
    throw err;
  }
}

export async function servicesUnlink(input: { name: unknown; app: unknown }, deps: OpsDeps): Promise<LinkResult> {
  const ctx = await requireService(input.name, deps);
  const app = await requireApp(input.app, deps);
  const name = ctx.record.name;
  const envVar = (await getServiceLinks(deps.redis, name))[app.name];
  if (!envVar) throw fail('not_linked', `${name} is not linked to ${app.name}`, `see berth services:info ${name}`);
  const out = await applyVars(app, { set: {}, unset: [envVar], description: `Detach ${name} (${envVar})` }, deps);
  await removeServiceLink(deps.redis, name, app.name);
  await ctx.runtime.unlink(name, app.name);
  return { service: name, app: app.name, envVar, ...out };
}

/** Makes `name` the app's DATABASE_URL (REDIS_URL); the one that held it keeps <ITS_NAME>_URL. */
export async function servicesPromote(input: { name: unknown; app: unknown }, deps: OpsDeps): Promise<LinkResult> {
  const ctx = await requireService(input.name, deps);
  const app = await requireApp(input.app, deps);
  const name = ctx.record.name;
  const links = await linksOfApp(app.name, deps);
  const mine = links.find((l) => l.service === name);
  if (!mine) throw fail('not_linked', `${name} is not linked to ${app.name}`, `link it first: berth services:link ${name} ${app.name}`);
  const plan = promotePlan(ctx.kind.envVar, name, links);
  if (plan.moves.length === 0) return { service: name, app: app.name, envVar: mine.envVar, log: [`${name} already is ${mine.envVar} of ${app.name}`] };
  const set: Record<string, string> = {};
  for (const m of plan.moves) {
    const other = m.service === name ? ctx : await requireService(m.service, deps);
    set[m.envVar] = other.kind.url(other.runtime.hostOf(m.service), other.secrets);
  }
  const out = await applyVars(app, { set, unset: plan.unset, description: `Promote ${name} to ${ctx.kind.envVar}` }, deps);
  for (const m of plan.moves) await setServiceLink(deps.redis, m.service, app.name, m.envVar);
  return { service: name, app: app.name, envVar: ctx.kind.envVar, ...out };
}

/** apps:destroy: the app's links go, and every service leaves its network (which then can be removed). */
export async function dropAppLinks(app: string, deps: OpsDeps): Promise<void> {
  const runtime = deps.scheduler.services;
  for (const name of await listServiceNames(deps.redis)) {
    if (!(await getServiceLinks(deps.redis, name))[app]) continue;
    await runtime?.unlink(name, app);
    await removeServiceLink(deps.redis, name, app);
  }
}


