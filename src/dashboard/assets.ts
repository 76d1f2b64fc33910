// The built page (dist/dashboard/public, written by build-assets.ts) held in
// memory with a gzip copy: a handful of small files, read once at start.
// Hashed names are immutable for a year; index.html is revalidated each time.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context } from 'koa';

interface Asset { readonly body: Buffer; readonly gzip: Buffer; readonly type: string; readonly immutable: boolean }
export type Assets = ReadonlyMap<string, Asset>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.map': 'application/json',
};
/** Page routes the browser may load directly; the page routes itself. */
const PAGE = /^\/((apps(\/[a-z0-9-]+(\/[a-z]+)?)?|access|services)\/?)?$/;
const MISSING = '<!doctype html><title>Berth</title><p>The dashboard is not built: run <code>npm run build</code> on the server.</p>';

export const defaultPublicDir = () => fileURLToPath(new URL('./public/', import.meta.url));

export function loadAssets(dir = defaultPublicDir()): Assets {
  const out = new Map<string, Asset>();
  const walk = (d: string) => {
    let names: string[] = [];
    try { names = readdirSync(d); } catch { return; }
    for (const name of names) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      const body = readFileSync(p);
      const url = `/${path.relative(dir, p).split(path.sep).join('/')}`;
      out.set(url, { body, gzip: gzipSync(body), type: TYPES[path.extname(p)] ?? 'application/octet-stream', immutable: url.startsWith('/assets/') });
    }
  };
  walk(dir);
  return out;
}

/** Answers a GET for an asset or a page route; false when it is neither. */
export function serveAsset(ctx: Context, assets: Assets): boolean {
  const page = PAGE.test(ctx.path);
  const asset = page ? assets.get('/index.html') : assets.get(ctx.path);
  if (!asset) {
    if (!page) return false;
    ctx.status = 503;
    ctx.type = 'text/html';
    ctx.body = MISSING;
    return true;
  }
  ctx.status = 200;
  ctx.type = asset.type;
  ctx.set('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.vary('Accept-Encoding');
  if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = asset.gzip;
  } else ctx.body = asset.body;
  return true;
}
