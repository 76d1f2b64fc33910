// The registry's HTTP API (distribution v2), for what the Docker API cannot
// do: list an app's tags and delete old ones, so image retention
// (BERTH_IMAGE_RETENTION) prunes the registry as it prunes each engine.
// Deleting a manifest frees its blobs at the registry's next
// `garbage-collect` (deploy/install.sh schedules it).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { RegistryConfig } from '../config/index.js';

const TIMEOUT_MS = 15_000;
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

function request(reg: RegistryConfig, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const auth = reg.username ? { Authorization: `Basic ${Buffer.from(`${reg.username}:${reg.password ?? ''}`).toString('base64')}` } : {};
  const lib = reg.insecure ? http : https;
  const ca = !reg.insecure && reg.caFile ? readFileSync(reg.caFile) : undefined;
  return new Promise((resolve, reject) => {
    const req = lib.request(`${reg.insecure ? 'http' : 'https'}://${reg.address}${path}`,
      { method, headers: { ...auth, ...headers }, timeout: TIMEOUT_MS, ...(ca ? { ca } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { if (body.length < 1 << 20) body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
    req.on('timeout', () => req.destroy(new Error(`registry ${reg.address}: no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Release versions (`vN` tags) the registry holds for a repository, newest first. */
export async function registryVersions(reg: RegistryConfig, repo: string): Promise<number[]> {
  const res = await request(reg, 'GET', `/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`registry ${reg.address}: listing ${repo} answered ${res.status}`);
  const tags = (JSON.parse(res.body) as { tags?: string[] | null }).tags ?? [];
  return tags.map((t) => /^v(\d+)$/.exec(t)?.[1]).filter((v): v is string => !!v).map(Number).sort((a, b) => b - a);
}

async function digestOf(reg: RegistryConfig, repo: string, tag: string): Promise<string | undefined> {
  const head = await request(reg, 'HEAD', `/v2/${repo}/manifests/${tag}`, { Accept: MANIFEST_TYPES });
  const digest = head.headers['docker-content-digest'];
  return head.status === 200 && typeof digest === 'string' ? digest : undefined;
}

async function deleteManifest(reg: RegistryConfig, repo: string, digest: string): Promise<boolean> {
  const del = await request(reg, 'DELETE', `/v2/${repo}/manifests/${digest}`);
  if (del.status !== 202 && del.status !== 404) throw new Error(`registry ${reg.address}: deleting ${repo}@${digest} answered ${del.status} ${del.body.slice(0, 200)}`);
  return del.status === 202;
}

/**
 * Keeps the newest `keep` versions and `current`; returns the versions deleted.
 * A manifest is deleted with every tag on it, and releases that only change
 * config share their image: a doomed version whose digest a kept one uses stays.
 */
export async function pruneRegistry(reg: RegistryConfig, repo: string, keep: number, current: number): Promise<number[]> {
  const versions = await registryVersions(reg, repo);
  const kept = versions.slice(0, keep).concat(versions.includes(current) ? [current] : []);
  const doomed = versions.slice(keep).filter((v) => v !== current);
  if (doomed.length === 0) return [];
  const keptDigests = new Set((await Promise.all(kept.map((v) => digestOf(reg, repo, `v${v}`)))).filter(Boolean));
  const removed: number[] = [];
  for (const v of doomed) {
    const digest = await digestOf(reg, repo, `v${v}`);
    if (!digest || keptDigests.has(digest)) continue;
    if (await deleteManifest(reg, repo, digest)) removed.push(v);
  }
  return removed;
}

/** Every tag of a repository (an app destroyed). */
export async function deleteRepository(reg: RegistryConfig, repo: string): Promise<void> {
  for (const v of await registryVersions(reg, repo)) {
    const digest = await digestOf(reg, repo, `v${v}`);
    if (digest) await deleteManifest(reg, repo, digest);
  }
}
