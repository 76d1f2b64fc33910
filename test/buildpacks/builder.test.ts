// The buildpack builder against real Docker, without a server: the build
// container's isolation and limits, the timeout and the OOM killer, and the
// slug image it leaves. A stand-in `procfile` buildpack (same runner, same
// detection order) misbehaves on purpose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildpackBuilder } from '../../src/builders/buildpack/index.js';
import type { BuildInput } from '../../src/builders/builder.js';
import { loadConfig, type BerthConfig } from '../../src/config/index.js';
import { createDocker } from '../../src/docker/client.js';
import { berthLabels } from '../../src/docker/labels.js';
import type { AppName } from '../../src/shared/app-name.js';
import type { BerthError } from '../../src/shared/errors.js';
import { BUILDPACKS, sample } from './harness.js';
import { removeAppObjects } from '../helpers/docker.js';

const docker = createDocker(loadConfig({}));
const sh = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

/** buildpacks/ with the procfile buildpack's compile replaced by `script`. */
async function standIn(dir: string, script: string): Promise<string> {
  const bps = path.join(dir, 'buildpacks');
  await mkdir(dir, { recursive: true });
  await cp(BUILDPACKS, bps, { recursive: true });
  await writeFile(path.join(bps, 'procfile/bin/compile'), `#!/usr/bin/env bash\nset -euo pipefail\n${script}\n`);
  await chmod(path.join(bps, 'procfile/bin/compile'), 0o755);
  return bps;
}

describe('buildpack builder', () => {
  let work: string;
  const apps: string[] = [];
  const lines: string[] = [];
  const log = { step: (t: string) => lines.push(`-----> ${t}`), detail: (t: string) => lines.push(`       ${t}`),
    error: (t: string) => lines.push(` !     ${t}`), raw: (t: string) => lines.push(`       ${t}`) };
  const input = (app: string): BuildInput => ({
    app: app as AppName, buildId: randomBytes(4).toString('hex'), sourceDir: sample('procfile-worker'), contextTar: '',
    configVars: { GREETING: 'from ENV_DIR' }, imageTag: `berth/app-${app}:build-test`, labels: berthLabels(app, 'build', 'build', 'build'), log,
  });
  const newApp = () => { const a = `bpb-${randomBytes(3).toString('hex')}`; apps.push(a); return a; };
  const config = (over: Partial<BerthConfig['build']>): BerthConfig => {
    const c = loadConfig({});
    return { ...c, build: { ...c.build, ...over } };
  };

  before(async () => { work = await mkdtemp(path.join(os.tmpdir(), 'berth-bpb-')); });
  after(async () => {
    removeAppObjects(apps);
    await rm(work, { recursive: true, force: true });
  });

  test('the build container is unprivileged and limited, and goes away; the slug runs as app', async () => {
    const app = newApp();
    const bps = await standIn(path.join(work, 'probe'),
      'echo "-----> probing"; echo "       uid=$(id -u) env=$(cat "$3/GREETING")"; { ls /var/run/docker.sock 2>&1 || true; } | sed "s/^/       /"; sleep 2');
    const builder = buildpackBuilder(docker, config({ memoryBytes: 256 * 2 ** 20 }), { buildpacksDir: bps, cpus: 1, pidsLimit: 256 });
    const building = builder.build(input(app));
    let inspect: any;
    for (let i = 0; i < 100 && !inspect; i++) {
      const id = sh('ps', '-q', '--filter', `label=berth.app=${app}`, '--filter', 'label=berth.role=build');
      if (id) inspect = JSON.parse(sh('inspect', id))[0];
      else await sleep(50);
    }
    const out = await building;
    assert.ok(inspect, 'saw the build container running');
    assert.equal(inspect.Config.User, '1000:1000');
    assert.deepEqual(inspect.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(inspect.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.equal(inspect.HostConfig.Memory, 256 * 2 ** 20);
    assert.equal(inspect.HostConfig.NanoCpus, 1e9);
    assert.equal(inspect.HostConfig.PidsLimit, 256);
    assert.equal(inspect.HostConfig.Privileged, false);
    assert.deepEqual(inspect.Mounts.map((m: { Name: string; Destination: string }) => `${m.Name}:${m.Destination}`), [`berth-cache-${app}:/cache`]);
    assert.match(lines.join('\n'), /uid=1000 env=from ENV_DIR/);
    assert.match(lines.join('\n'), /No such file or directory/, 'no Docker socket inside');
    assert.equal(sh('ps', '-aq', '--filter', `label=berth.app=${app}`), '', 'no container is left');
    assert.deepEqual(out.processTypes, { web: 'python3 web.py', worker: 'bash worker.sh' });
    const image = JSON.parse(sh('image', 'inspect', out.image))[0];
    assert.equal(image.Config.User, 'app');
    assert.equal(image.Config.Labels['berth.app'], app);
    assert.equal(sh('run', '--rm', '--label', `berth.app=${app}`, out.image, 'bash', '-c', 'id -un; echo $HOME; stat -c %U /app/web.py'), 'app\n/app\napp');
  });

  test('the cache persists between builds, and is emptied first when over its size limit', async () => {
    const app = newApp();
    const bps = await standIn(path.join(work, 'cache'),
      'if [[ -f "$2/blob" ]]; then echo "       blob was kept"; else echo "       no blob"; fi; head -c 3000000 /dev/zero > "$2/blob"');
    const build = (limitMb: number) => buildpackBuilder(docker, config({}), { buildpacksDir: bps, cacheLimitMb: limitMb }).build(input(app));
    lines.length = 0;
    await build(100);
    await build(100);
    await build(1);
    const seen = lines.filter((l) => /blob|Clearing/.test(l));
    assert.deepEqual(seen, ['       no blob', '       blob was kept', '-----> Clearing the build cache (3 MB, over the 1 MB limit)', '       no blob']);
  });

  test('a compile that outlives the build timeout is stopped, with the knob to turn', async () => {
    const app = newApp();
    const bps = await standIn(path.join(work, 'slow'), 'echo "-----> sleeping"; sleep 60');
    const builder = buildpackBuilder(docker, config({ timeoutMs: 2000 }), { buildpacksDir: bps });
    const t0 = Date.now();
    await assert.rejects(builder.build(input(app)), (e: BerthError) =>
      e.code === 'build_timeout' && /longer than 2 s/.test(e.message) && /BERTH_BUILD_TIMEOUT_SEC/.test(e.hint ?? ''));
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal(sh('ps', '-aq', '--filter', `label=berth.app=${app}`), '');
  });

  test('shared-library check: a slug ELF file that needs a library the run stack lacks fails the build; a runtime layer is checked once', async () => {
    const app = newApp();
    // A runtime layer holding a working binary, and, when $3/BAD exists, an app binary linking gcc's libquadmath.
    const bps = await standIn(path.join(work, 'libs'), [
      'mkdir -p "$2/rt/bin" && cp /usr/bin/ls "$2/rt/bin/tool" && echo "rt $2/rt test-runtime-1" >> "$BERTH_LAYERS"',
      'if [[ -f "$3/BAD" ]]; then mkdir -p "$1/lib"; echo "int main(void) { return 0; }" | cc -x c - -o "$1/lib/helper.so" -Wl,--no-as-needed -lquadmath; fi',
    ].join('\n'));
    const builder = buildpackBuilder(docker, config({}), { buildpacksDir: bps });
    const build = (vars: Record<string, string> = {}) => { lines.length = 0; return builder.build({ ...input(app), configVars: vars }); };
    await build();
    assert.match(lines.join('\n'), /Shared libraries: all \d+ ELF file\(s\) find theirs on berth\/stack:bookworm$/m);
    await build();
    assert.match(lines.join('\n'), /Shared libraries: all \d+ ELF file\(s\) find theirs on berth\/stack:bookworm \(runtime layer checked before\)/);
    const tag = input(app).imageTag;
    sh('rmi', tag);
    await assert.rejects(build({ BAD: '1' }), (e: BerthError) => e.code === 'slug_library_missing'
      && /need shared libraries the run stack lacks, so the app would fail at boot/.test(e.message)
      && /pin an older version that works/.test(e.hint ?? '') && /BERTH_LIBRARY_CHECK=off/.test(e.hint ?? ''));
    assert.ok(lines.includes(' !     /app/lib/helper.so needs libquadmath.so.0, which berth/stack:bookworm does not have'), lines.join('\n'));
    assert.throws(() => sh('image', 'inspect', tag), 'the rejected slug image is removed');
    assert.equal(sh('ps', '-aq', '--filter', `label=berth.app=${app}`), '', 'the check leaves no container');
    await build({ BAD: '1', BERTH_LIBRARY_CHECK: 'off' });
    assert.ok(!lines.some((l) => /Shared libraries|needs libquadmath/.test(l)), 'the app turned the check off');
  });

  test('a compile that needs more memory than the limit is reported as such', async () => {
    const app = newApp();
    const bps = await standIn(path.join(work, 'hungry'), 'python3 -c "x = bytearray(400 * 2**20); print(len(x))"');
    const builder = buildpackBuilder(docker, config({ memoryBytes: 128 * 2 ** 20 }), { buildpacksDir: bps });
    await assert.rejects(builder.build(input(app)), (e: BerthError) =>
      e.code === 'build_out_of_memory' && /128 MiB/.test(e.message) && /BERTH_BUILD_MEMORY_MB/.test(e.hint ?? ''));
  });

  test('the slug size is reported; past the soft limit a warning, past the hard limit the build fails with the knob', async () => {
    const app = newApp();
    const bps = await standIn(path.join(work, 'big'), 'head -c 3000000 /dev/urandom > "$1/big.bin"');
    const MiB = 2 ** 20;
    lines.length = 0;
    const out = await buildpackBuilder(docker, config({ slugWarnBytes: 2 * MiB, slugMaxBytes: 8 * MiB }), { buildpacksDir: bps }).build(input(app));
    assert.ok(lines.includes('       slug size: 2.9 MB (app 2.9 MB); new in this release: 2.9 MB'), lines.join('\n'));
    assert.ok(lines.includes(' !     Warning: the slug is 2.9 MB, over the 2.0 MB soft limit (the largest part: the app\'s own files, 2.9 MB); '
      + 'big slugs deploy and boot slower. The build fails past 8.0 MB.'), lines.join('\n'));
    assert.ok(typeof out.slugMs === 'number' && out.slugMs > 0);
    const tag = input(app).imageTag;
    await assert.rejects(buildpackBuilder(docker, config({ slugWarnBytes: MiB, slugMaxBytes: 2 * MiB }), { buildpacksDir: bps }).build({ ...input(app), imageTag: `${tag}-2` }),
      (e: BerthError) => e.code === 'slug_too_large' && e.status === 422
        && e.message === "the slug is 2.9 MB, over Berth's limit of 2.0 MB (the largest part: the app's own files, 2.9 MB)"
        && /BERTH_SLUG_MAX_MB/.test(e.hint ?? ''));
    assert.equal(sh('images', '-q', `${tag}-2`), '', 'the refused slug is not left behind');
  });
});
