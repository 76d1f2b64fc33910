// Dockerfile builds run under BuildKit, which ignores the build API's
// `memory` option. Its RUN steps all live in one cgroup, docker/buildkit, so
// capping that cgroup bounds what builds can take from the host together.
// Best effort: only for a local engine using the cgroupfs driver.
import { mkdir, writeFile, access } from 'node:fs/promises';

const V1 = '/sys/fs/cgroup/memory/docker/buildkit';
const V2 = '/sys/fs/cgroup/docker/buildkit';

export type CapResult = { applied: true; path: string } | { applied: false; why: string };

/** Caps BuildKit's process count (all Dockerfile builds together), like its memory. */
export async function capBuildkitPids(pids: number, localEngine: boolean): Promise<CapResult> {
  if (!localEngine) return { applied: false, why: 'the Docker engine is remote (DOCKER_HOST)' };
  const v1 = await access('/sys/fs/cgroup/pids').then(() => true, () => false);
  const dir = v1 ? '/sys/fs/cgroup/pids/docker/buildkit' : V2;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/pids.max`, String(pids));
    return { applied: true, path: dir };
  } catch (err) {
    return { applied: false, why: (err as Error).message };
  }
}

/** `dirs`: the cgroups to cap (v1 memory, v2); tests pass scratch ones. */
export async function capBuildkitMemory(bytes: number, localEngine: boolean, dirs: { v1: string; v2: string } = { v1: V1, v2: V2 }): Promise<CapResult> {
  if (!localEngine) return { applied: false, why: 'the Docker engine is remote (DOCKER_HOST)' };
  const v1 = await access('/sys/fs/cgroup/memory').then(() => true, () => false);
  const dir = v1 ? dirs.v1 : dirs.v2;
  try {
    await mkdir(dir, { recursive: true });
    if (v1) {
      // The kernel keeps memsw (RAM + swap) >= the RAM limit: raising goes
      // memsw first, lowering RAM first, so write memsw on both sides. Without
      // swap accounting the file is absent; the RAM cap still holds.
      const memsw = () => writeFile(`${dir}/memory.memsw.limit_in_bytes`, String(bytes)).catch(() => {});
      await memsw();
      await writeFile(`${dir}/memory.limit_in_bytes`, String(bytes));
      await memsw();
    } else {
      await writeFile(`${dir}/memory.max`, String(bytes));
      await writeFile(`${dir}/memory.swap.max`, '0').catch(() => {});
    }
    return { applied: true, path: dir };
  } catch (err) {
    return { applied: false, why: (err as Error).message };
  }
}
