// `npm run build` step: bundles the browser code (src/dashboard/web) with
// esbuild into dist/dashboard/public/assets/<name>-<hash>.{js,css}, writes
// index.html pointing at them, and fails if the page's JavaScript grows past
// its budget. Run from dist/ after tsc; the server never imports this file.
import { mkdir, readFile, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = path.join(ROOT, 'src/dashboard/web');
const OUT = path.join(ROOT, 'dist/dashboard/public');
/** design: all of the page's JavaScript under 60 KB gzip. */
const JS_BUDGET_GZIP = 60 * 1024;

const page = (js: string, css: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Berth</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/${css}">
<script type="module" src="/assets/${js}"></script>
</head>
<body>
<div id="app"><noscript>The Berth dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;

async function main(): Promise<void> {
  await mkdir(path.join(OUT, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(WEB, 'main.ts'), style: path.join(WEB, 'style.css') },
    outdir: path.join(OUT, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true, minify: true, format: 'esm', target: ['es2020'],
    loader: { '.svg': 'file' }, assetNames: '[name]-[hash]',
    metafile: true, legalComments: 'none', logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => path.basename(p));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild wrote ${outputs.join(', ')}: expected one .js and one .css`);
  let gz = 0;
  for (const f of outputs.filter((o) => o.endsWith('.js'))) gz += gzipSync(await readFile(path.join(OUT, 'assets', f))).length;
  await writeFile(path.join(OUT, 'index.html'), page(js, css));
  await copyFile(path.join(WEB, 'favicon.svg'), path.join(OUT, 'favicon.svg'));
  const kb = (gz / 1024).toFixed(1);
  if (gz > JS_BUDGET_GZIP) throw new Error(`the dashboard's JavaScript is ${kb} KB gzip, over its 60 KB budget`);
  console.log(`dashboard: ${js} ${kb} KB gzip, ${css}`);
}

main().catch((err) => { console.error(`dashboard build failed: ${(err as Error).message}`); process.exit(1); });
