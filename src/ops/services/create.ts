// services:create <kind> <name>: the image (built once if missing) -> a
// generated password, stored sealed -> volume, network, container -> returns
// once the service accepts connections. A create that fails removes what it
// made, so the same command can simply be run again.
import { randomBytes } from 'node:crypto';
import { fail } from '../../shared/errors.js';
import { kindOf } from '../../services/registry.js';
import { parseServiceName } from '../../services/service-name.js';
import { createServiceRecord, deleteServiceRecord, getServiceRecord } from '../../store/services.js';
import type { OpsDeps } from '../deps.js';
import { serviceRuntimeOf, specOf } from './lookup.js';
import { ensureServiceImage } from './image.js';
import { servicesInfo, type ServiceInfo } from './info.js';
import { waitReady } from './ready.js';

export async function servicesCreate(input: { kind: unknown; name: unknown }, deps: OpsDeps): Promise<{ service: ServiceInfo; log: string[] }> {
  const kind = kindOf(deps.config.services.images, input.kind);
  const name = parseServiceName(input.name);
  const runtime = serviceRuntimeOf(deps);
  const taken = () => fail('service_exists', `a service named "${name}" already exists`, `see berth services:info ${name}, or choose another name`);
  if (await getServiceRecord(deps.redis, name)) throw taken();
  const log: string[] = [];
  await ensureServiceImage(kind, deps, (line) => log.push(line));
  const secrets = { password: randomBytes(24).toString('hex') };
  if (!(await createServiceRecord(deps.redis, { name, kind: kind.kind, image: kind.image, createdAt: Date.now(), password: secrets.password }))) throw taken();
  const spec = specOf(name, kind, secrets);
  log.push(`-----> Starting ${kind.kind} service ${name}`);
  try {
    await runtime.start(spec);
    await waitReady({ spec, runtime, kind, secrets }, deps);
  } catch (err) {
    await runtime.remove(name).catch((e: Error) => console.error(`services:create ${name}: cleanup: ${e.message}`));
    await deleteServiceRecord(deps.redis, name);
    throw err;
  }
  log.push(`       ${name} accepts connections`);
  return { service: await servicesInfo({ name }, deps), log };
}
