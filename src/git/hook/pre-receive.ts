// Berth's pre-receive hook (run by git-receive-pack, one per push).
// Usage: pre-receive.js <receive-url> <secret-file>   (refs on stdin)
//
// For a push to main/master: `git archive` the new revision (its objects are
// still quarantined, which git archive inside the hook can read), stream it
// to the server, print the build log as it comes, and exit 0 only if the new
// release is live. Git shows our output as `remote:` lines.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const STATUS_PREFIX = '\u0000berth-status:';
const ZERO = /^0{40}$/;
const DEPLOY_REFS = new Set(['refs/heads/main', 'refs/heads/master']);

const out = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string) => out(` !     ${line}`);

function appFromRepo(): string {
  // GIT_DIR is the bare repo, <data>/repos/<app>.git
  const dir = process.env.GIT_DIR ? path.resolve(process.env.GIT_DIR) : process.cwd();
  return path.basename(dir).replace(/\.git$/, '');
}

function deploy(url: string, secret: string, app: string, rev: string, ref: string): Promise<boolean> {
  return new Promise((resolve) => {
    const archive = spawn('git', ['archive', '--format=tar', rev], { stdio: ['ignore', 'pipe', 'inherit'] });
    const target = new URL(`${url}/${encodeURIComponent(app)}?rev=${rev}&ref=${encodeURIComponent(ref)}`);
    const req = http.request(target, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-tar' },
    }, (res) => {
      let buf = '';
      let status = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith(STATUS_PREFIX)) status = line.slice(STATUS_PREFIX.length);
          else out(line);
        }
      });
      res.on('end', () => {
        if (buf && !buf.startsWith(STATUS_PREFIX)) out(buf);
        if (!status) fail('Lost contact with the Berth server before the deploy finished; check `berth builds` and push again.');
        resolve(status === 'succeeded' && res.statusCode === 200);
      });
      res.on('error', () => resolve(false));
    });
    req.on('error', (err) => {
      fail(`Cannot reach the Berth server (${err.message}); is it running?`);
      resolve(false);
    });
    archive.stdout.pipe(req);
    archive.on('exit', (code) => { if (code !== 0) { fail('git archive failed'); req.destroy(); } });
  });
}

async function main(): Promise<number> {
  const [url, secretFile] = process.argv.slice(2);
  if (!url || !secretFile) { fail('usage: pre-receive <receive-url> <secret-file>'); return 2; }
  const secret = readFileSync(secretFile, 'utf8').trim();
  const input = readFileSync(0, 'utf8');
  const app = appFromRepo();
  let ok = true;
  for (const line of input.split('\n')) {
    const [, rev, ref] = line.trim().split(/\s+/);
    if (!rev || !ref) continue;
    if (!DEPLOY_REFS.has(ref)) {
      out(`-----> ${ref} accepted without deploying: only main or master deploys`);
      continue;
    }
    if (ZERO.test(rev)) { fail(`Deleting ${ref} is not allowed: it is the deploy branch`); ok = false; continue; }
    if (!(await deploy(url, secret, app, rev, ref))) ok = false;
  }
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (err: Error) => { fail(`hook error: ${err.message}`); process.exit(1); });
