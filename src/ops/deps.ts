import type { BerthConfig } from '../config/index.js';
import type { Docker } from '../docker/client.js';
import type { BuildQueue } from '../queue/build-queue.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { RedisHandle } from '../store/redis.js';

/** What every operation may use; the adapters (API, git, CLI) pass it in. */
export interface OpsDeps {
  readonly config: BerthConfig;
  readonly redis: RedisHandle;
  readonly queue: BuildQueue;
  readonly docker: Docker;
  readonly scheduler: Scheduler;
}
