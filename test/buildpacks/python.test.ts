// The python buildpack, black-box: detect, compile twice (the second from
// the cache), release, then the venv works on the run stack. PyPI is not
// reachable here, so the requirements come from a local wheel (PIP_NO_INDEX
// and PIP_FIND_LINKS through ENV_DIR, as config vars would set them).
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, detect, fixture, inBuildStack, onRunStack, release, sample, workspace, type Workspace } from './harness.js';

// A minimal pure-Python wheel, made with the build stack's python3.
const MAKE_WHEEL = `
import zipfile, base64, hashlib
files = {"berthdemo/__init__.py": "GREETING = 'hello from a wheel'\\n",
         "berthdemo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: berthdemo\\nVersion: 1.0\\n",
         "berthdemo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: berth-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
def rec(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b"=").decode() + "," + str(len(data))
record = "".join(f"{n},{rec(d)}\\n" for n, d in files.items()) + "berthdemo-1.0.dist-info/RECORD,,\\n"
import os; os.makedirs("/app/wheels", exist_ok=True)
with zipfile.ZipFile("/app/wheels/berthdemo-1.0-py3-none-any.whl", "w") as z:
    for n, d in files.items(): z.writestr(n, d)
    z.writestr("berthdemo-1.0.dist-info/RECORD", record)
`;

describe('python buildpack', () => {
  const spaces: Workspace[] = [];
  const track = async (w: Promise<Workspace>) => { const ws = await w; spaces.push(ws); return ws; };
  let wheel: Workspace;
  const offline = { PIP_NO_INDEX: '1', PIP_FIND_LINKS: '/app/wheels' };
  before(async () => {
    wheel = await workspace(fixture('python-wheel'), offline);
    spaces.push(wheel);
    const made = inBuildStack(wheel, ['python3', '-c', MAKE_WHEEL]);
    assert.equal(made.code, 0, made.output);
  });
  after(async () => { for (const w of spaces) await w.cleanup(); });

  test('detects requirements.txt, pyproject.toml or Pipfile', async () => {
    const w = await workspace(sample('python-hello'));
    spaces.push(w);
    const r = detect(w, 'python');
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.trim(), 'Python');
    assert.equal(detect(await track(workspace(sample('go-hello'))), 'python').code, 1);
  });

  test('a stdlib-only app gets a venv without reaching any index', async () => {
    const w = await workspace(sample('python-hello'));
    spaces.push(w);
    const r = compile(w, 'python');
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /No requirements in requirements\.txt: nothing to install/);
    assert.deepEqual(release(w, 'python').processTypes, {});
    const ran = onRunStack(w, 'python -c "import sys; print(sys.prefix)"');
    assert.equal(ran.output.trim(), '/app/.heroku/python');
  });

  test('compile pip-installs the requirements, then restores the venv from the cache', async () => {
    const first = compile(wheel, 'python');
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /-----> Installing requirements from requirements\.txt with pip/);
    assert.match(first.output, /Successfully installed berthdemo-1\.0/);
    const second = compile(wheel, 'python');
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /-----> Restoring the virtualenv from the cache/);
    assert.match(second.output, /Cache hit: requirements\.txt is unchanged/);
    assert.doesNotMatch(second.output, /pip/);
    const ran = onRunStack(wheel, 'python -c "import berthdemo; print(berthdemo.GREETING)"');
    assert.equal(ran.output.trim(), 'hello from a wheel', ran.output);
  });

  test('pyproject.toml and Pipfile name the requirements when there is no requirements.txt', async () => {
    const { rm, writeFile } = await import('node:fs/promises');
    for (const [file, text, origin] of [
      ['pyproject.toml', '[project]\nname = "demo"\nversion = "1"\ndependencies = ["berthdemo==1.0"]\n', 'pyproject.toml \\[project\\]\\.dependencies'],
      ['Pipfile', '[packages]\nberthdemo = "==1.0"\n', 'Pipfile \\[packages\\]'],
    ]) {
      const w = await workspace(fixture('python-wheel'), offline);
      spaces.push(w);
      inBuildStack(w, ['python3', '-c', MAKE_WHEEL]);
      await rm(`${w.app}/requirements.txt`);
      await writeFile(`${w.app}/${file}`, text!);
      const r = compile(w, 'python');
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, new RegExp(`Installing requirements from ${origin} with pip`));
      assert.equal(onRunStack(w, 'python -c "import berthdemo; print(berthdemo.GREETING)"').output.trim(), 'hello from a wheel');
    }
  });

  test('a requirement the index does not have fails with pip\'s error and what to check', async () => {
    const w = await workspace(fixture('python-wheel'), offline);
    spaces.push(w);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${w.app}/requirements.txt`, 'berth-no-such-dist==9.9\n');
    const r = compile(w, 'python');
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /No matching distribution found for berth-no-such-dist==9\.9/);
    assert.match(r.output, /^ ! {5}pip could not install the requirements from requirements\.txt/m);
  });
});
