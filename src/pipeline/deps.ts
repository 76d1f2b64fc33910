import type { BerthConfig } from '../config/index.js';
import type { Builder } from '../builders/builder.js';
import type { Docker } from '../docker/client.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { RedisHandle } from '../store/redis.js';
import type { Build } from '../shared/types.js';
import type { BuildLogWriter } from './build-log-writer.js';
import type { Built } from './run-build.js';

/** What the pipeline needs from the outside, wired once in main. */
export interface PipelineDeps {
  readonly config: BerthConfig;
  readonly redis: RedisHandle;
  readonly docker: Docker;
  readonly builders: readonly Builder[];
  readonly scheduler: Scheduler;
  /** Set on a build-only worker: hands the built release to the node that runs apps instead of deploying it here. */
  readonly handOff?: (build: Build, built: Built, log: BuildLogWriter) => Promise<void>;
}
