// Sign in with an API token; Enter submits. Errors (a wrong token, too many
// tries) show the server's own message under the field.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { signIn, signInNotice } from '../api.js';
import { Button, ErrorBox, useAction } from '../ui.js';

export function SignIn() {
  const [token, setToken] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const action = useAction(() => signIn(token));
  useEffect(() => input.current?.focus(), []);
  const submit = (e: Event) => { e.preventDefault(); void action.run(); };
  return html`<main class="signin" id="main">
    <form class="card signin-card" onSubmit=${submit} aria-labelledby="signin-title">
      <div class="brand big" aria-hidden="true"><span class="logo"></span>Berth</div>
      <h1 id="signin-title">Sign in</h1>
      ${signInNotice.value && !action.error ? html`<p class="notice" role="status">${signInNotice.value}</p>` : null}
      <label for="token">API token</label>
      <input id="token" ref=${input} type="password" name="token" autocomplete="current-password" required
        value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)}
        aria-describedby="token-help" aria-invalid=${action.error ? 'true' : undefined} />
      <p id="token-help" class="muted small">The admin token is in <code>$BERTH_DATA_DIR/admin-token</code> on the server
        (<code>sudo cat /var/lib/berth/admin-token</code>).</p>
      <${ErrorBox} error=${action.error} />
      <${Button} type="submit" kind="primary wide" busy=${action.busy}>Sign in<//>
    </form>
  </main>`;
}
