import type { BerthConfig } from '../config/index.js';
import type { Builder } from '../builders/builder.js';
import type { Docker } from '../docker/client.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { RedisHandle } from '../store/redis.js';

/** What the pipeline needs from the outside, wired once in main. */
export interface PipelineDeps {
  readonly config: BerthConfig;
  readonly redis: RedisHandle;
  readonly docker: Docker;
  readonly builders: readonly Builder[];
  readonly scheduler: Scheduler;
}
