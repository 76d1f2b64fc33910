// Release: an immutable pair of image and config, numbered vN. The build's
// image is retagged as berth/app-<app>:vN so the tag names the release.
import type { Docker } from '../docker/client.js';
import { tagImage, untagImage } from '../docker/index.js';
import type { BuildOutput } from '../builders/builder.js';
import type { AppName } from '../shared/app-name.js';
import { appImage, type Build, type Release } from '../shared/types.js';
import { getConfigVars, nextReleaseVersion, saveRelease } from '../store/apps.js';
import type { RedisHandle } from '../store/redis.js';

export async function createRelease(
  r: RedisHandle, docker: Docker, build: Build, output: BuildOutput, defaultPort: number,
): Promise<Release> {
  const app: AppName = build.app;
  const version = await nextReleaseVersion(r, app);
  const image = appImage(app, version);
  await tagImage(docker, output.image, `berth/app-${app}`, `v${version}`);
  if (output.image !== image) await untagImage(docker, output.image);
  const release: Release = {
    app,
    version,
    image,
    config: await getConfigVars(r, app),
    processTypes: output.processTypes,
    port: output.port ?? defaultPort,
    buildId: build.id,
    rev: build.rev,
    description: `Deploy ${build.rev.slice(0, 7)}`,
    createdAt: Date.now(),
    status: 'pending',
  };
  await saveRelease(r, release);
  return release;
}
