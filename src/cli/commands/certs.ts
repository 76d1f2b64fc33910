// certs, certs:add, certs:remove, certs:auto, certs:auto-disable, certs:redirect
// — HTTPS for the app: uploaded certificates (served by SNI), Let's Encrypt
// through ACME with automatic renewal, and the per-app HTTP -> HTTPS redirect.
import { readFile } from 'node:fs/promises';
import { usageError } from '../args.js';
import { seg } from '../client.js';
import { stamp } from '../output.js';
import { withSpinner } from '../spinner.js';
import { renderKeyValues, renderTable } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface CertSummary { id: string; source: string; hostnames: string[]; serves: string[]; notAfter: string; expired: boolean }
interface CertsReport {
  certs: CertSummary[];
  auto: boolean;
  acme?: { state: string; at: number; error?: string };
  redirectHttps: boolean;
}

function printReport(out: Parameters<Command['run']>[0]['out'], app: string, r: CertsReport): void {
  out.header(`${app} Certificates`);
  if (r.certs.length === 0) out.info(`${app} has no certificates; HTTPS uses a self-signed one. Add one with berth certs:add or berth certs:auto.`);
  else {
    out.line(renderTable(['ID', 'Serves', 'Source', 'Expires'],
      r.certs.map((c) => [c.id, c.serves.join(', ') || '(none of the app\'s names)', c.source, `${stamp(c.notAfter)}${c.expired ? ' (expired)' : ''}`])));
  }
  const acme = r.auto ? `on${r.acme ? ` (${r.acme.state}${r.acme.error ? `: ${r.acme.error}` : ''})` : ''}` : 'off';
  out.line();
  out.line(renderKeyValues([['ACME (Let\'s Encrypt)', acme], ['HTTP -> HTTPS redirect', r.redirectHttps ? 'on' : 'off']]));
}

const list: Command = {
  name: 'certs',
  aliases: ['certs:list', 'certs:report'],
  summary: 'Show the app\'s certificates, ACME state and HTTPS redirect',
  examples: ['berth certs my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<CertsReport>('GET', `/apps/${seg(app)}/certs`);
    if (flags.json) return out.json(body);
    printReport(out, app, body);
  },
};

async function pem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const add: Command = {
  name: 'certs:add',
  summary: 'Add a certificate and key (PEM) for the app\'s hostnames',
  usage: '<cert.pem> <key.pem>',
  description: 'The certificate (with its chain) is served by SNI for every name of the app it covers: <app>.<domain> and the app\'s custom domains.',
  examples: ['berth certs:add my-app fullchain.pem privkey.pem'],
  app: true,
  json: true,
  args: [2, 2],
  async run({ api, app, args, out, flags }) {
    const [cert, key] = await Promise.all([pem(args[0]!, 'certificate'), pem(args[1]!, 'key')]);
    const client = await api();
    const body = await withSpinner(out, `Adding a certificate to ${app}`,
      () => client.request<{ cert: CertSummary }>('PUT', `/apps/${seg(app)}/certs`, { body: { cert, key } }));
    if (flags.json) return out.json(body);
    out.line(`${body.cert.id} now serves ${body.cert.serves.join(', ')} (expires ${stamp(body.cert.notAfter)})`);
  },
};

const remove: Command = {
  name: 'certs:remove',
  summary: 'Remove one of the app\'s certificates',
  usage: '<id>',
  examples: ['berth certs:remove my-app my-app:0123456789abcdef'],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Removing ${args[0]} from ${app}`,
      () => client.request('DELETE', `/apps/${seg(app)}/certs/${seg(args[0]!)}`));
    if (flags.json) return out.json(body ?? {});
    out.line(`${args[0]} removed`);
  },
};

const auto: Command = {
  name: 'certs:auto',
  summary: 'Get a Let\'s Encrypt certificate now and renew it automatically',
  description: 'Orders a certificate over ACME (HTTP-01, answered by the router) for <app>.<domain> and the app\'s exact custom domains. '
    + 'Their DNS must point at this server and port 80 must be reachable. Renewal happens 30 days before expiry.',
  examples: ['berth certs:auto my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Ordering a certificate for ${app}`,
      () => client.request<CertsReport>('POST', `/apps/${seg(app)}/certs/auto`));
    if (flags.json) return out.json(body);
    if (body.acme?.state === 'pending') out.info('The order is still in progress; check again with berth certs ' + app);
    printReport(out, app, body);
  },
};

const autoOff: Command = {
  name: 'certs:auto-disable',
  summary: 'Stop renewing the app\'s ACME certificate',
  examples: ['berth certs:auto-disable my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<CertsReport>('DELETE', `/apps/${seg(app)}/certs/auto`);
    if (flags.json) return out.json(body);
    out.line(`ACME renewals are off for ${app}; its current certificate stays until it expires or is removed`);
  },
};

const redirect: Command = {
  name: 'certs:redirect',
  summary: 'Redirect the app\'s plain HTTP requests to HTTPS (on or off)',
  usage: '<on|off>',
  examples: ['berth certs:redirect my-app on'],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const value = args[0]!.toLowerCase();
    if (value !== 'on' && value !== 'off') throw usageError(`expected on or off, got "${args[0]}"`);
    const body = await (await api()).request<{ redirectHttps: boolean }>('PUT', `/apps/${seg(app)}/certs/redirect`, { body: { enabled: value === 'on' } });
    if (flags.json) return out.json(body);
    out.line(body.redirectHttps ? `http:// requests to ${app} now get a 308 to https://` : `${app} answers plain HTTP again`);
  },
};

export const certsGroup: CommandGroup = { title: 'Certificates', commands: [list, add, remove, auto, autoOff, redirect] };
