// Access: users, API tokens and SSH keys, as `berth users|tokens|keys` do
// (admin only; any other token sees the server's 403 and its hint). A new
// token's secret is shown once, as the CLI prints it once.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ago } from '../format.js';
import { Button, Confirm, CopyLine, ErrorBox, Loading, Panel, useAction } from '../ui.js';

interface User { name: string; role: string; apps: string[]; createdAt: number }
interface Token { id: string; name: string; user: string; scopes: string[]; createdAt: number; expiresAt?: number; status: string }
interface Key { fingerprint: string; user: string; type: string; comment: string; createdAt: number }
interface Lists { users: User[]; tokens: Token[]; keys: Key[] }

const field = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

function Users({ lists, reload }: { lists: Lists; reload: () => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('deploy');
  const [apps, setApps] = useState('');
  const add = useAction(async () => { await api('POST', '/users', { name, role, ...(role === 'deploy' ? { apps } : {}) }); setName(''); setApps(''); await reload(); });
  const remove = useAction(async (u: string) => { await api('DELETE', `/users/${enc(u)}`); await reload(); });
  return html`<${Panel} title="Users">
    <div class="scrollx"><table class="plain"><thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Apps</th><th scope="col">Added</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
    <tbody>${lists.users.map((u) => html`<tr><th scope="row">${u.name}</th><td>${u.role}</td><td>${u.apps.join(', ') || '—'}</td><td>${ago(u.createdAt)}</td>
      <td class="rowactions"><${Confirm} label="Remove" question=${`Remove ${u.name} with its tokens and keys?`} confirm="Remove" onConfirm=${() => void remove.run(u.name)} /></td></tr>`)}</tbody></table></div>
    <${ErrorBox} error=${remove.error} />
    <form class="inline wrap" onSubmit=${(e: Event) => { e.preventDefault(); void add.run(); }} aria-label="Add a user">
      <span class="field"><label for="user-name">Name</label><input id="user-name" value=${name} autocomplete="off" spellcheck="false" onInput=${field(setName)} /></span>
      <span class="field"><label for="user-role">Role</label><select id="user-role" value=${role} onChange=${field(setRole)}><option value="deploy">deploy</option><option value="admin">admin</option></select></span>
      ${role === 'deploy' ? html`<span class="field"><label for="user-apps">Apps</label><input id="user-apps" value=${apps} placeholder="app-a,app-b" autocomplete="off" spellcheck="false" onInput=${field(setApps)} /></span>` : null}
      <${Button} type="submit" kind="primary" disabled=${!name.trim()} busy=${add.busy}>Add user<//>
    </form>
    <${ErrorBox} error=${add.error} />
  <//>`;
}

function Tokens({ lists, reload }: { lists: Lists; reload: () => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState('read');
  const [expires, setExpires] = useState('');
  const [user, setUser] = useState('');
  const [secret, setSecret] = useState('');
  const create = useAction(async () => {
    const t = await api<{ token: string }>('POST', '/tokens', { name, scope, ...(expires.trim() ? { expires: expires.trim() } : {}), ...(user ? { user } : {}) });
    setSecret(t.token); setName(''); await reload();
  });
  const revoke = useAction(async (id: string) => { await api('DELETE', `/tokens/${enc(id)}`); await reload(); });
  return html`<${Panel} title="API tokens">
    ${secret ? html`<div class="notice" role="status"><p><strong>New token</strong>: copy it now, it is not shown again.</p><${CopyLine} label="new token" text=${secret} /></div>` : null}
    <div class="scrollx"><table class="plain"><thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">User</th><th scope="col">Scope</th><th scope="col">State</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
    <tbody>${lists.tokens.map((t) => html`<tr><th scope="row">${t.name}</th><td><code>${t.id}</code></td><td>${t.user}</td><td>${t.scopes.join(' ')}</td>
      <td class=${t.status === 'active' ? '' : 'muted'}>${t.status}</td><td>${t.expiresAt ? new Date(t.expiresAt).toISOString().slice(0, 10) : 'never'}</td>
      <td class="rowactions">${t.status === 'active' ? html`<${Confirm} label="Revoke" question=${`Revoke ${t.name}?`} confirm="Revoke" onConfirm=${() => void revoke.run(t.id)} />` : null}</td></tr>`)}</tbody></table></div>
    <${ErrorBox} error=${revoke.error} />
    <form class="inline wrap" onSubmit=${(e: Event) => { e.preventDefault(); void create.run(); }} aria-label="Create a token">
      <span class="field"><label for="token-name">Name</label><input id="token-name" value=${name} placeholder="ci-deploy" autocomplete="off" spellcheck="false" onInput=${field(setName)} /></span>
      <span class="field"><label for="token-scope">Scope</label><input id="token-scope" value=${scope} placeholder="admin, read or deploy:my-app" autocomplete="off" spellcheck="false" onInput=${field(setScope)} /></span>
      <span class="field"><label for="token-expires">Expires in</label><input id="token-expires" class="short" value=${expires} placeholder="30d" autocomplete="off" onInput=${field(setExpires)} /></span>
      <span class="field"><label for="token-user">User</label><select id="token-user" value=${user} onChange=${field(setUser)}><option value="">(me)</option>${lists.users.map((u) => html`<option value=${u.name}>${u.name}</option>`)}</select></span>
      <${Button} type="submit" kind="primary" disabled=${!name.trim() || !scope.trim()} busy=${create.busy}>Create token<//>
    </form>
    <${ErrorBox} error=${create.error} />
  <//>`;
}

function Keys({ lists, reload }: { lists: Lists; reload: () => Promise<unknown> }) {
  const [user, setUser] = useState('');
  const [publicKey, setKey] = useState('');
  const add = useAction(async () => { await api('POST', '/keys', { user: user || lists.users[0]?.name, publicKey: publicKey.trim() }); setKey(''); await reload(); });
  const remove = useAction(async (fp: string) => { await api('DELETE', `/keys/${enc(fp)}`); await reload(); });
  return html`<${Panel} title="SSH keys">
    ${lists.keys.length ? html`<div class="scrollx"><table class="plain"><thead><tr><th scope="col">Key</th><th scope="col">User</th><th scope="col">Fingerprint</th><th scope="col">Added</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
    <tbody>${lists.keys.map((k) => html`<tr><th scope="row">${k.comment || k.type}</th><td>${k.user}</td><td><code class="wrap">${k.fingerprint}</code></td><td>${ago(k.createdAt)}</td>
      <td class="rowactions"><${Confirm} label="Remove" question="Remove this key?" confirm="Remove" onConfirm=${() => void remove.run(k.fingerprint)} /></td></tr>`)}</tbody></table></div>`
    : html`<p class="muted">No SSH keys: pushes use HTTPS with a token.</p>`}
    <${ErrorBox} error=${remove.error} />
    <form class="stack" onSubmit=${(e: Event) => { e.preventDefault(); void add.run(); }} aria-label="Add an SSH key">
      <label for="key-user">User</label><select id="key-user" value=${user || lists.users[0]?.name} onChange=${field(setUser)}>${lists.users.map((u) => html`<option value=${u.name}>${u.name}</option>`)}</select>
      <label for="key-text">Public key (the contents of <code>~/.ssh/id_ed25519.pub</code>)</label>
      <textarea id="key-text" class="mono" rows="3" value=${publicKey} spellcheck="false" placeholder="ssh-ed25519 AAAA… you@laptop" onInput=${field(setKey)}></textarea>
      <div><${Button} type="submit" kind="primary" disabled=${!publicKey.trim()} busy=${add.busy}>Add key<//></div>
    </form>
    <${ErrorBox} error=${add.error} />
  <//>`;
}

export function AccessPage() {
  const [lists, setLists] = useState<Lists | null>(null);
  const load = useAction(async () => {
    const [u, t, k] = await Promise.all([api<{ users: User[] }>('GET', '/users'), api<{ tokens: Token[] }>('GET', '/tokens'), api<{ keys: Key[] }>('GET', '/keys')]);
    setLists({ users: u.users, tokens: t.tokens, keys: k.keys });
  });
  useEffect(() => { document.title = 'Access · Berth'; void load.run(); }, []);
  return html`<main id="main" class="page">
    <div class="page-head"><h1>Access</h1></div>
    <p class="muted">Who may use this Berth: users (admins, or deployers of named apps), their API tokens, and the SSH keys that may push.</p>
    <${ErrorBox} error=${load.error} />
    ${lists ? html`<${Users} lists=${lists} reload=${load.run} /><${Tokens} lists=${lists} reload=${load.run} /><${Keys} lists=${lists} reload=${load.run} />`
      : load.error ? null : html`<${Loading} what="users, tokens and keys" />`}
  </main>`;
}
