// Builders in their fixed detection order: a repo with a Dockerfile always
// means "build this"; anything else goes to the buildpacks.
import { readdir } from 'node:fs/promises';
import type { BerthConfig } from '../config/index.js';
import type { Docker } from '../docker/client.js';
import { BerthError } from '../shared/errors.js';
import type { Builder, BuildInput } from './builder.js';
import { dockerfileBuilder } from './dockerfile.js';
import { buildpackBuilder } from './buildpack/index.js';

export function builderRegistry(docker: Docker, config: BerthConfig): readonly Builder[] {
  return [
    dockerfileBuilder(docker, config),
    buildpackBuilder(docker, config, { cacheLimitMb: config.build.cacheLimitMb, cpus: config.build.cpus, pidsLimit: config.build.pidsLimit }),
  ];
}

export async function selectBuilder(builders: readonly Builder[], input: BuildInput): Promise<Builder> {
  for (const b of builders) if (await b.detect(input)) return b;
  const files = (await readdir(input.sourceDir).catch(() => [] as string[])).slice(0, 20);
  throw new BerthError('no_builder_detected', `no way to build this app was detected: looked for ${builders.map((b) => b.name).join(', ')}`,
    { hint: `files at the repo root: ${files.join(' ') || '(none)'}. Add a Dockerfile, commit, and push again` });
}
