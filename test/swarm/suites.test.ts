// The end-to-end deploy and lifecycle suites (test/e2e/deploy-suite.ts,
// lifecycle-suite.ts), the same ones the local scheduler runs, against
// BERTH_SCHEDULER=swarm on a two-node swarm of private engines: one
// cluster for both suites, each with a Berth of its own.
import { after } from 'node:test';
import { describeDeploy } from '../e2e/deploy-suite.js';
import { describeLifecycle } from '../e2e/lifecycle-suite.js';
import { swarmEngine, swarmSkip } from '../helpers/app-engine.js';
import { startCluster, type Cluster } from '../helpers/swarm-cluster.js';

const skip = swarmSkip();
let cluster: Promise<Cluster> | undefined;
const engine = () => swarmEngine(cluster ??= startCluster());

describeDeploy('push to live on a two-node swarm', engine, { skip });
describeLifecycle('app lifecycle through the API on a two-node swarm', engine, { skip });

after(async () => { await (await cluster?.catch(() => undefined))?.stop(); });
