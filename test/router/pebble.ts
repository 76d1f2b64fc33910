// Let's Encrypt's test CA on loopback, for ACME tests: pebble (directory on a
// self-signed certificate, HTTP-01 validations sent to `httpPort`, i.e. the
// router) and pebble-challtestsrv as its DNS, answering 127.0.0.1 for every
// name, with its own challenge listeners off. Debian package: pebble.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../helpers/berth.js';

export interface Pebble {
  readonly directoryUrl: string;
  /** PEM file to trust for the directory's HTTPS. */
  readonly caFile: string;
  stop(): Promise<void>;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([gone, sleep(5000)]);
}

export async function startPebble(httpPort: number): Promise<Pebble> {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-pebble-'));
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', key, '-out', cert, '-subj', '/CN=pebble', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  const [wfe, mgmt, dns, dnsMgmt, tlsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const config = path.join(dir, 'pebble.json');
  writeFileSync(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${wfe}`, managementListenAddress: `127.0.0.1:${mgmt}`, certificate: cert, privateKey: key,
      httpPort, tlsPort, ocspResponderURL: '', externalAccountBindingRequired: false,
    },
  }));
  const out: string[] = [];
  const keep = (c: ChildProcess) => { c.stdout?.on('data', (d) => out.push(String(d))); c.stderr?.on('data', (d) => out.push(String(d))); return c; };
  const dnsSrv = keep(spawn('pebble-challtestsrv', [
    '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dns}`, '-management', `127.0.0.1:${dnsMgmt}`,
    '-http01', '', '-https01', '', '-tlsalpn01', '',
  ]));
  // No random sleeps before validation, no random nonce rejections: tests stay fast and deterministic.
  const pebble = keep(spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dns}`], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
  }));
  const stop = async () => {
    await Promise.all([stopChild(pebble), stopChild(dnsSrv)]);
    rmSync(dir, { recursive: true, force: true });
  };
  const directoryUrl = `https://127.0.0.1:${wfe}/dir`;
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      import('node:https').then(({ default: https }) => {
        const req = https.get(directoryUrl, { ca: execFileSync('cat', [cert]) }, (res) => { res.resume(); resolve(res.statusCode === 200); });
        req.on('error', () => resolve(false));
      });
    });
    if (up) return { directoryUrl, caFile: cert, stop };
    if (pebble.exitCode !== null) break;
    await sleep(100);
  }
  await stop();
  throw new Error(`pebble did not start:\n${out.join('')}`);
}
