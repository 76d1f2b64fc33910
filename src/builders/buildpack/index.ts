// Buildpack builder: the Heroku buildpack API v2 for repos with no Dockerfile.
//   Procfile checked -> buildpacks chosen (order.ts) -> a throwaway build
//   container from the build stack: per-app cache volume, runner, buildpacks,
//   config vars and source copied in, no Docker socket, limits and a timeout
//   -> runner: detect, compile, release (buildpacks/runner.sh) -> results
//   read from /berth/out -> slug image on the run stack, one layer per
//   handed-over directory (slug.ts) -> its size reported and checked
//   (slug-report.ts) -> its ELF files' shared libraries checked on the run
//   stack (library-check.ts) -> process types: the Procfile over the buildpacks' defaults.
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BerthConfig } from '../../config/index.js';
import { buildContainerName, createBuildContainer, removeStaleBuildContainers, type BuildContainer } from '../../docker/build-container.js';
import { ensureAppNetwork } from '../../docker/networks.js';
import type { Docker } from '../../docker/client.js';
import { ensureCacheVolume } from '../../docker/volumes.js';
import { BerthError } from '../../shared/errors.js';
import type { Builder, BuildInput, BuildOutput } from '../builder.js';
import { readProcfile } from '../procfile.js';
import { BUILD_GID, BUILD_UID, runnerTar, sourceTar } from './inputs.js';
import { checkSlugLibraries, LIBRARY_CHECK_VAR } from './library-check.js';
import { buildpackLine } from './log-lines.js';
import { planBuildpacks } from './order.js';
import { checkOutcome } from './outcome.js';
import { mergeReleases, parseRelease } from './release-yaml.js';
import { parseLayers, slugMaker, type SlugMaker } from './slug.js';
import { checkSlugSize, reportSlug } from './slug-report.js';
import { noteLines } from './build-notes.js';
import { untagImage } from '../../docker/index.js';
import { readTarFiles } from './tar.js';

export interface BuildpackOptions {
  /** Where buildpacks/ is; default: the one next to this checkout's src/. */
  readonly buildpacksDir?: string;
  /** The cache volume is emptied before a build when it is larger. */
  readonly cacheLimitMb?: number;
  readonly cpus?: number;
  readonly pidsLimit?: number;
}

type Settings = Required<BuildpackOptions>;

export const DEFAULT_BUILDPACKS_DIR = fileURLToPath(new URL('../../../buildpacks', import.meta.url));

export function buildpackBuilder(docker: Docker, config: BerthConfig, opts: BuildpackOptions = {}): Builder {
  const settings: Settings = {
    buildpacksDir: opts.buildpacksDir ?? DEFAULT_BUILDPACKS_DIR,
    cacheLimitMb: opts.cacheLimitMb ?? 2048,
    cpus: opts.cpus ?? 2,
    pidsLimit: opts.pidsLimit ?? 4096,
  };
  return {
    name: 'buildpacks',
    // Last in the registry, so it takes every repo without a Dockerfile; when
    // no buildpack matches, build() says what each one looked for.
    detect: async () => true,
    build: (input) => buildWithBuildpacks(docker, config, settings, input),
  };
}

async function buildWithBuildpacks(docker: Docker, config: BerthConfig, s: Settings, input: BuildInput): Promise<BuildOutput> {
  const procfile = await readProcfile(input.sourceDir);
  const plan = await planBuildpacks(input.sourceDir, input.configVars);
  if (plan.source) input.log.step(`Buildpacks from ${plan.source}: ${plan.names.join(', ')}`);
  for (const note of plan.notes ?? []) input.log.detail(note);
  const [volume, inputsTar] = await Promise.all([
    ensureCacheVolume(docker, input.app),
    runnerTar(s.buildpacksDir, plan.names, input.configVars),
    removeStaleBuildContainers(docker, input.app),
  ]);
  const container = await createBuildContainer(docker, {
    name: buildContainerName(input.app, input.buildId),
    image: config.images.build,
    command: ['tini', '-g', '--', 'bash', '/berth/runner.sh'],
    env: {
      BERTH_BUILDPACKS: plan.names.join(' '),
      BERTH_BUILDPACK_MODE: plan.mode,
      BERTH_CACHE_LIMIT_MB: String(s.cacheLimitMb),
    },
    labels: input.labels,
    user: `${BUILD_UID}:${BUILD_GID}`,
    workingDir: '/app',
    volumes: { [volume]: '/cache' },
    memoryBytes: config.build.memoryBytes,
    cpus: s.cpus,
    pidsLimit: s.pidsLimit,
    // The app's own network: a build, too, is walled off from the host and other apps.
    network: await ensureAppNetwork(docker, input.app, config.runtime.networkPool),
  });
  const slug = slugMaker({ docker, container, app: input.app, runImage: config.images.run, labels: input.labels, log: input.log });
  try {
    await container.put(inputsTar, '/');
    const source = sourceTar(input.sourceDir);
    await Promise.all([container.put(source.stream, '/app'), source.done]);
    const watch = new AbortController();
    const watcher = watchLayers(container, slug, watch.signal);
    const run = await container.run(config.build.timeoutMs, buildpackLine(input.log)).finally(() => watch.abort());
    await watcher;
    const out = await readTarFiles(await container.get('/berth/out/.'));
    await checkOutcome({
      run, plan, status: out.get('status')?.toString('utf8').trim(), sourceDir: input.sourceDir,
      timeoutMs: config.build.timeoutMs, memoryBytes: config.build.memoryBytes,
    });
    const used = (out.get('buildpacks')?.toString('utf8') ?? '').split('\n').filter(Boolean);
    const release = mergeReleases(used.map((bp, i) => parseRelease(out.get(`release-${i}.yml`)?.toString('utf8') ?? '', bp)));
    const processTypes = { ...release.processTypes, ...procfile };
    reportProcessTypes(input, release.processTypes, procfile);
    input.log.step(`Creating the slug image on ${config.images.run}`);
    const slugStart = performance.now();
    const layers = parseLayers(out.get('layers')?.toString('utf8') ?? '');
    const figures = await slug.commit({
      imageTag: input.imageTag, layers,
      env: release.configVars, webCommand: processTypes.web ?? undefined,
    });
    reportSlug(input.log, figures, noteLines(out.get('slug-notes')));
    try {
      checkSlugSize(input.log, figures, { warnBytes: config.build.slugWarnBytes, maxBytes: config.build.slugMaxBytes });
    } catch (err) {
      await untagImage(docker, input.imageTag);
      throw err;
    }
    // Shared-library check (library-check.ts): a library missing from the run stack fails here, not at boot.
    if (input.configVars[LIBRARY_CHECK_VAR] !== 'off') {
      await checkSlugLibraries({
        docker, image: input.imageTag, runImage: config.images.run, baseRef: await slug.base(layers), layers,
        containerName: `${buildContainerName(input.app, input.buildId)}-libs`, labels: input.labels, log: input.log,
      });
    }
    const bootHints = noteLines(out.get('boot-hints'));
    return { image: input.imageTag, processTypes, slugMs: performance.now() - slugStart, ...(bootHints.length ? { bootHints } : {}) };
  } finally {
    await slug.settle();
    await container.remove();
  }
}

/**
 * While compile runs, polls for the layers buildpacks announce, so their
 * base images are made meanwhile (a runtime is ready long before npm ci ends).
 */
async function watchLayers(container: BuildContainer, slug: SlugMaker, done: AbortSignal): Promise<void> {
  let seen = '';
  while (!done.aborted) {
    await sleep(250, undefined, { signal: done }).catch(() => {});
    if (done.aborted) return;
    const text = await container.get('/berth/out/layers').then(readTarFiles).then((f) => f.get('layers')?.toString('utf8'), () => undefined);
    // Whole lines only: a line being written may not have its key yet.
    const lines = text?.slice(0, text.lastIndexOf('\n') + 1) ?? '';
    if (!lines.trim() || lines === seen) continue;
    seen = lines;
    try {
      void slug.base(parseLayers(lines)).catch(() => {});
    } catch { /* reported when the build ends */ }
  }
}

function reportProcessTypes(input: BuildInput, defaults: Record<string, string>, procfile: Record<string, string | null> | undefined): void {
  const types = new Set([...Object.keys(defaults), ...Object.keys(procfile ?? {})]);
  if (types.size === 0) {
    throw new BerthError('no_process_types', 'the app has no process types: there is no Procfile, and the buildpack gives no default',
      { hint: 'add a Procfile that says how to start the app, such as "web: python app.py", commit, and push again' });
  }
  input.log.step('Discovering process types');
  if (procfile && Object.keys(procfile).length) input.log.detail(`Procfile declares types -> ${Object.keys(procfile).join(', ')}`);
  const unused = Object.keys(defaults).filter((t) => !procfile || !(t in procfile));
  if (unused.length) input.log.detail(`Default types for the buildpack -> ${unused.join(', ')}`);
}
