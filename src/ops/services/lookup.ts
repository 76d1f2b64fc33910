// Shared first steps of every services:* operation: the scheduler's service
// runtime (deny where there is none), a valid name of an existing service,
// its kind, and the container spec built from the kind and its secrets.
import { BerthError, fail } from '../../shared/errors.js';
import { kindOf } from '../../services/registry.js';
import type { ServiceKind, ServiceSecrets } from '../../services/service-kind.js';
import { parseServiceName } from '../../services/service-name.js';
import type { ServiceRuntime, ServiceSpec } from '../../runtime/service-runtime.js';
import { getServiceLinks, getServiceRecord, listServiceNames, type ServiceRecord } from '../../store/services.js';
import type { AppLink } from '../../services/link-env.js';
import type { OpsDeps } from '../deps.js';

export interface ServiceContext {
  readonly record: ServiceRecord;
  readonly kind: ServiceKind;
  readonly secrets: ServiceSecrets;
  readonly spec: ServiceSpec;
  readonly runtime: ServiceRuntime;
}

export function serviceRuntimeOf(deps: OpsDeps): ServiceRuntime {
  const rt = deps.scheduler.services;
  if (!rt) {
    throw new BerthError('services_unsupported', `backing services are not available on the ${deps.config.scheduler} scheduler yet`,
      { hint: 'run them on a server with BERTH_SCHEDULER=local' });
  }
  return rt;
}

export function specOf(name: string, kind: ServiceKind, secrets: ServiceSecrets): ServiceSpec {
  const c = kind.container(secrets);
  return { name, kind: kind.kind, image: kind.image, cmd: c.cmd, env: c.env, user: c.user, dataPath: kind.dataPath, health: kind.healthCommand(secrets) };
}

export async function requireService(raw: unknown, deps: OpsDeps): Promise<ServiceContext> {
  const name = parseServiceName(raw);
  const runtime = serviceRuntimeOf(deps);
  const record = await getServiceRecord(deps.redis, name);
  if (!record) throw fail('service_not_found', `service "${name}" does not exist`, 'see `berth services`, or create it with services:create <kind> <name>');
  const kind = kindOf(deps.config.services.images, record.kind);
  const secrets = { password: record.password };
  return { record, kind, secrets, spec: specOf(name, kind, secrets), runtime };
}

/** Every service link of one app, across all services. */
export async function linksOfApp(app: string, deps: OpsDeps): Promise<AppLink[]> {
  const out: AppLink[] = [];
  for (const name of await listServiceNames(deps.redis)) {
    const envVar = (await getServiceLinks(deps.redis, name))[app];
    const rec = envVar ? await getServiceRecord(deps.redis, name) : undefined;
    if (envVar && rec) out.push({ service: name, kind: rec.kind, envVar });
  }
  return out;
}
