// The slug image, layered so a redeploy copies only what changed:
//   run stack -> runtime layers the buildpacks handed over (Node.js, say),
//   committed once per app as berth/app-<app>:base-<key> and reused while
//   the keys match (made while compile still runs when announced early)
//   -> the compiled /app on top, committed as user `app`, with an
//   entrypoint that sources .profile.d as Heroku's dynos do.
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
      throw new BerthError('buildpack_layers_invalid', 422, `a buildpack handed over an invalid layer: ${JSON.stringify(line.slice(0, 120))}`,
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

export interface SlugMaker {
  /** Starts, or joins, making the base image for these layers; may run while compile still does. */
  base(layers: readonly Layer[]): Promise<string>;
  /** The slug: the base for `spec.layers` plus the compiled /app, as `spec.imageTag`. */
  commit(spec: SlugSpec): Promise<void>;
  /** Waits for base images still being made, whatever their outcome. */
  settle(): Promise<void>;
}

export function slugMaker(ctx: SlugContext): SlugMaker {
  const bases = new Map<string, Promise<string>>();
  const made = new Set<string>();
  const base = async (layers: readonly Layer[]) => {
    if (layers.length === 0) return ctx.runImage;
    const run = await inspectImage(ctx.docker, ctx.runImage);
    if (!run) {
      throw new BerthError('stack_image_missing', 500, `the run image ${ctx.runImage} is missing`,
        { hint: 'build the stack images on the server: ./deploy/stack/build.sh', expose: true });
    }
    const key = createHash('sha256').update([run.id, ...layers.map((l) => `${l.dest} ${l.key}`)].join('\n')).digest('hex').slice(0, 16);
    if (!bases.has(key)) bases.set(key, makeBase(ctx, layers, key, (ref) => made.add(ref)));
    return bases.get(key)!;
  };
  return {
    base,
    async commit(spec) {
      const from = await base(spec.layers);
      for (const l of spec.layers) {
        ctx.log.detail(`/app/${l.dest}: ${made.has(from) ? 'new runtime layer' : 'runtime layer reused'} (${l.key.split(':')[0]})`);
      }
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
    },
    async settle() {
      await Promise.all([...bases.values()].map((p) => p.catch(() => {})));
    },
  };
}

/** berth/app-<app>:base-<key>, made unless it exists; older bases lose their tag. */
async function makeBase(ctx: SlugContext, layers: readonly Layer[], key: string, onMade: (ref: string) => void): Promise<string> {
  const repo = `berth/app-${ctx.app}`;
  const ref = `${repo}:base-${key}`;
  if (await inspectImage(ctx.docker, ref)) return ref;
  await commitImage(ctx.docker, {
    from: ctx.runImage, repo, tag: `base-${key}`,
    config: { user: 'app', workingDir: '/app', env: {}, labels: ctx.labels, cmd: ['/bin/bash'] },
    contents: [
      { path: '/', tar: async () => writeTar(parentDirs(layers.map((l) => l.dest)), BUILD_UID, BUILD_GID) },
      ...layers.map((l) => ({ path: `/app/${l.dest}`, tar: () => ctx.container.get(`${l.src}/.`) })),
    ],
  });
  onMade(ref);
  // Releases built on an older base keep its layers; only the tag goes.
  for (const old of await repoTags(ctx.docker, repo, 'base-')) {
    if (old !== ref) await removeImage(ctx.docker, old).catch(() => {});
  }
  return ref;
}
