// Release: an immutable pair of image and config, numbered vN. Every release
// gets its own tag berth/app-<app>:vN, also when it reuses an older image
// (config change, rollback), so the tag always names the release. It also
// carries the app's storage mounts as they are when it is made.
import type { Docker } from '../docker/client.js';
import { tagImage, untagImage } from '../docker/index.js';
import type { BuildOutput } from '../builders/builder.js';
import type { AppManifest } from '../shared/app-json.js';
import { appImage, type Build, type Release } from '../shared/types.js';
import { getConfigVars, nextReleaseVersion, saveRelease } from '../store/apps.js';
import type { RedisHandle } from '../store/redis.js';
import { listMounts } from '../store/storage.js';

export type ReleaseDraft = Omit<Release, 'version' | 'image' | 'createdAt' | 'status'>;

/** Allocates vN, tags `sourceImage` as its image and saves the release as pending. */
export async function newRelease(r: RedisHandle, docker: Docker, sourceImage: string, draft: ReleaseDraft): Promise<Release> {
  const version = await nextReleaseVersion(r, draft.app);
  const image = appImage(draft.app, version);
  await tagImage(docker, sourceImage, `berth/app-${draft.app}`, `v${version}`);
  // Mounts are the app's, not the source release's: a rollback keeps today's storage.
  const mounts = await listMounts(r, draft.app);
  const release: Release = { ...draft, version, image, createdAt: Date.now(), status: 'pending', mounts: mounts.length ? mounts : undefined };
  await saveRelease(r, release);
  return release;
}

export async function createBuildRelease(
  r: RedisHandle, docker: Docker, build: Build, output: BuildOutput, manifest: AppManifest | undefined, defaultPort: number,
): Promise<Release> {
  const release = await newRelease(r, docker, output.image, {
    app: build.app,
    config: await getConfigVars(r, build.app),
    processTypes: output.processTypes,
    port: output.port ?? defaultPort,
    buildId: build.id,
    rev: build.rev,
    description: `Deploy ${build.rev.slice(0, 7)}`,
    healthchecks: manifest?.healthchecks,
    formationDefaults: manifest?.formation,
    ...(output.bootHints?.length ? { bootHints: output.bootHints } : {}),
    cron: manifest?.cron ?? [],
  });
  if (output.image !== release.image) await untagImage(docker, output.image);
  return release;
}
