// Dockerfile builder: the pushed tree is the build context, built by the
// Docker Engine with the build's memory limit and timeout. A Procfile, when
// present, overrides CMD per process type, as Dokku does.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BerthConfig } from '../config/index.js';
import type { Docker } from '../docker/client.js';
import { buildImage } from '../docker/build-image.js';
import { inspectImage } from '../docker/containers.js';
import type { Builder, BuildInput, BuildOutput } from './builder.js';
import { readProcfile } from './procfile.js';
import { fail } from '../shared/errors.js';

export function dockerfileBuilder(docker: Docker, config: BerthConfig): Builder {
  return {
    name: 'dockerfile',
    async detect(input) {
      return stat(path.join(input.sourceDir, 'Dockerfile')).then((s) => s.isFile(), () => false);
    },
    async build(input: BuildInput): Promise<BuildOutput> {
      input.log.step('Building with the Dockerfile');
      const procfile = await readProcfile(input.sourceDir);
      await buildImage(docker, {
        contextTar: input.contextTar,
        tag: input.imageTag,
        labels: input.labels,
        memoryBytes: config.build.memoryBytes,
        timeoutMs: config.build.timeoutMs,
        onLine: (l) => input.log.raw(l),
      });
      const image = await inspectImage(docker, input.imageTag);
      // Docker would refuse to create its container ("No command specified"): say so before a release is made.
      if (image && !image.hasCommand && !procfile?.web) {
        throw fail('no_start_command', 'the image has no CMD or ENTRYPOINT, and there is no Procfile with a web process, so nothing says how to start the app',
          'add a CMD to the Dockerfile (for example CMD ["python3", "app.py"]), or a Procfile with a "web:" line');
      }
      const exposed = image?.exposedPorts ?? [];
      if (exposed.length > 1) input.log.detail(`The image EXPOSEs ${exposed.join(', ')}; web gets PORT=${config.runtime.defaultPort}`);
      return {
        image: input.imageTag,
        processTypes: { web: null, ...procfile },
        port: exposed.length === 1 ? exposed[0] : undefined,
      };
    },
  };
}
