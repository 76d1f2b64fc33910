// A kind's image, built on demand: the first services:create of a kind whose
// image is missing runs deploy/stack/services.sh <kind> (the script
// install.sh runs), under a deadline, and passes its lines on as progress.
// One build per kind at a time in this process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { inspectImage } from '../../docker/containers.js';
import { BerthError } from '../../shared/errors.js';
import type { ServiceKind } from '../../services/service-kind.js';
import type { OpsDeps } from '../deps.js';

const building = new Map<string, Promise<void>>();

export async function ensureServiceImage(kind: ServiceKind, deps: OpsDeps, progress: (line: string) => void): Promise<void> {
  if (await inspectImage(deps.docker, kind.image)) return;
  let turn = building.get(kind.kind);
  if (!turn) {
    turn = buildImage(kind, deps, progress).finally(() => building.delete(kind.kind));
    building.set(kind.kind, turn);
  } else {
    progress(`-----> Waiting for the ${kind.image} build already under way`);
  }
  await turn;
  if (!(await inspectImage(deps.docker, kind.image))) {
    throw new BerthError('service_image_missing', `${kind.image} is still missing after its build`, { expose: true, hint: `run ${deps.config.services.buildScript} ${kind.kind} by hand to see why` });
  }
}

function buildImage(kind: ServiceKind, deps: OpsDeps, progress: (line: string) => void): Promise<void> {
  const { buildScript, buildTimeoutMs } = deps.config.services;
  progress(`-----> ${kind.image} is missing: building it from Debian's packages (once; a few minutes)`);
  return new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [buildScript, kind.kind], { stdio: ['ignore', 'pipe', 'pipe'], timeout: buildTimeoutMs, killSignal: 'SIGKILL' });
    const tail: string[] = [];
    const take = (line: string) => { progress(line); tail.push(line); if (tail.length > 20) tail.shift(); };
    createInterface({ input: child.stdout }).on('line', take);
    createInterface({ input: child.stderr }).on('line', take);
    child.on('error', (err) => reject(new BerthError('service_image_build_failed', `could not run ${buildScript}: ${err.message}`, { expose: true })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why = signal ? `was stopped after ${Math.round(buildTimeoutMs / 1000)} s` : `exited with ${code}`;
      reject(new BerthError('service_image_build_failed', `building ${kind.image} ${why}:\n${tail.join('\n')}`,
        { expose: true, hint: `run ${buildScript} ${kind.kind} on the Berth host; raise BERTH_SERVICE_BUILD_TIMEOUT_SEC on a slow mirror` }));
    });
  });
}
