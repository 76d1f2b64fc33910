// The go buildpack, black-box: detect, compile twice (the second with the
// toolchain and build cache from the cache), release, then the binary runs
// on the run stack. The toolchain comes from the Debian mirror.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, detect, fixture, onRunStack, release, sample, workspace, type Workspace } from './harness.js';

describe('go buildpack', () => {
  const spaces: Workspace[] = [];
  const track = async (w: Promise<Workspace>) => { const ws = await w; spaces.push(ws); return ws; };
  after(async () => { for (const w of spaces) await w.cleanup(); });

  test('detects go.mod', async () => {
    const w = await workspace(sample('go-hello'));
    spaces.push(w);
    const r = detect(w, 'go');
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.trim(), 'Go');
    assert.equal(detect(await track(workspace(sample('node-hello'))), 'go').code, 1);
  });

  test('compile fetches the Go go.mod asks for, then builds from the cache', async () => {
    const w = await workspace(sample('go-hello'));
    spaces.push(w);
    const first = compile(w, 'go');
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /Fetching the Go toolchain from the Debian mirror/);
    assert.match(first.output, /Installed Go 1\.22 \(golang-1\.22-go from /);
    assert.match(first.output, /Built: go-hello/);
    const second = compile(w, 'go');
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /Using Go 1\.22 from the cache/);
    assert.match(second.output, /Reusing the Go build cache from the last build/);
    assert.doesNotMatch(second.output, /Fetching/);
    assert.deepEqual(release(w, 'go').processTypes, { web: 'bin/go-hello' });
    const ran = onRunStack(w, 'PORT=1 timeout 2 go-hello; true');
    assert.match(ran.output, /go-hello listening on 1/);

    // A module dependency needs the module proxy, which is not reachable
    // here. Same cache, so no second toolchain download.
    const needs = await workspace(fixture('go-needs-module'));
    spaces.push(needs);
    const failed = compile({ ...needs, cache: w.cache }, 'go');
    assert.equal(failed.code, 1, failed.output);
    assert.match(failed.output, /proxy\.golang\.org/);
    assert.match(failed.output, /^ ! {5}go could not download the modules go\.mod needs/m);
    assert.match(failed.output, /^ ! {5}commit vendor\/ \(go mod vendor\), or set GOPROXY/m);
  });
});
