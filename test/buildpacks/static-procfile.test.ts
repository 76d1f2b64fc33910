// The static and procfile buildpacks, black-box. Neither keeps a cache:
// static writes an nginx config (no download), procfile has no build step.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { compile, detect, fixture, release, sample, serveOnRunStack, waitForHttp, workspace, type Workspace } from './harness.js';

describe('static buildpack', () => {
  const spaces: Workspace[] = [];
  const track = async (w: Promise<Workspace>) => { const ws = await w; spaces.push(ws); return ws; };
  after(async () => { for (const w of spaces) await w.cleanup(); });

  test('detects index.html or static.json; nginx serves the site on PORT, gzipped, no dotfiles', async () => {
    const w = await workspace(sample('static-site'));
    spaces.push(w);
    assert.equal(detect(w, 'static').output.trim(), 'Static site');
    assert.equal(detect(await track(workspace(fixture('empty'))), 'static').code, 1);
    for (let i = 0; i < 2; i++) {
      const r = compile(w, 'static');
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /Serving \/app with gzip on/);
    }
    const web = release(w, 'static').processTypes.web;
    assert.equal(web, '/app/.heroku/static/start');
    const server = serveOnRunStack(w, web!);
    try {
      await waitForHttp(server.url);
      const home = await fetch(`${server.url}/`);
      assert.match(await home.text(), /Hello from a static site on Berth!/);
      assert.match(await (await fetch(`${server.url}/about`)).text(), /A clean URL/);
      const css = await fetch(`${server.url}/style.css`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(css.headers.get('content-encoding'), 'gzip');
      const missing = await fetch(`${server.url}/nope`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /static-site: page not found/);
      assert.equal((await fetch(`${server.url}/.heroku/static/nginx.conf`)).status, 404);
    } finally {
      server.stop();
    }
  });

  test('a static.json root that is not a directory fails naming the key', async () => {
    const w = await workspace(sample('static-site'));
    spaces.push(w);
    await writeFile(`${w.app}/static.json`, '{"root": "public"}');
    const r = compile(w, 'static');
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /^ ! {5}static\.json: static\.json "root" is 'public', which is not a directory of the app/m);
  });
});

describe('procfile buildpack', () => {
  const spaces: Workspace[] = [];
  const track = async (w: Promise<Workspace>) => { const ws = await w; spaces.push(ws); return ws; };
  after(async () => { for (const w of spaces) await w.cleanup(); });

  test('detects a Procfile, builds nothing, and leaves the processes to the Procfile', async () => {
    const w = await workspace(sample('procfile-worker'));
    spaces.push(w);
    assert.equal(detect(w, 'procfile').output.trim(), 'Procfile');
    assert.equal(detect(await track(workspace(fixture('empty'))), 'procfile').code, 1);
    const r = compile(w, 'procfile');
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /No build step/);
    assert.deepEqual(release(w, 'procfile').processTypes, {});
  });
});
