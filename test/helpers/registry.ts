// A private image registry for tests: Debian's docker-registry (distribution
// 2.8) as a child process with htpasswd (bcrypt) auth, deletes enabled and its
// own storage dir. Plain HTTP: it listens on the test's private veth network
// only, and the private engines list it in --insecure-registry.
//
//   startRegistry({ host }): Promise<TestRegistry>
//     host: the address to listen on and that engines use (e.g. engine.hostAddress)
//   TestRegistry: address ('host:port'), username, password, env (BERTH_REGISTRY*
//     for a Berth server), dir, stop()
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './berth.js';

export interface TestRegistry {
  readonly address: string;
  readonly username: string;
  readonly password: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export function registrySupported(): string | undefined {
  for (const bin of ['docker-registry', 'htpasswd']) {
    try { execFileSync('sh', ['-c', `command -v ${bin}`]); } catch { return `${bin} is not installed (apt-get install docker-registry apache2-utils)`; }
  }
  return undefined;
}

export async function startRegistry(opts: { host: string }): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const username = 'berth';
  const password = randomBytes(12).toString('hex');
  await writeFile(path.join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', username, password]));
  await writeFile(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log: { level: warn }',
    `storage: { filesystem: { rootdirectory: ${dir}/data }, delete: { enabled: true } }`,
    `http: { addr: "${opts.host}:${port}" }`,
    `auth: { htpasswd: { realm: berth, path: ${dir}/htpasswd } }`,
    '',
  ].join('\n'));
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => { log = (log + d).slice(-20_000); });
  const address = `${opts.host}:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
    // 401 without credentials: it is up.
    const up = await fetch(`http://${address}/v2/`).then((r) => r.status === 401, () => false);
    if (up) break;
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`docker-registry did not answer on ${address}: ${log}`); }
    await sleep(200);
  }
  return {
    address, username, password, dir,
    env: { BERTH_REGISTRY: address, BERTH_REGISTRY_USER: username, BERTH_REGISTRY_PASSWORD: password, BERTH_REGISTRY_INSECURE: '1' },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
