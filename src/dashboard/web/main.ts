// The dashboard's entry: ask whether a session exists, then show sign-in or
// the page for the current path. Everything else is in pages/ and tabs/.
import { html } from 'htm/preact';
import { render } from 'preact';
import { checkSession, signedIn, signOut } from './api.js';
import { startFeed, stopFeed } from './status-feed.js';
import { interceptLinks, parseRoute, path } from './router.js';
import { AppsPage } from './pages/apps.js';
import { AppPage } from './pages/app.js';
import { SignIn } from './pages/sign-in.js';
import { AccessPage } from './pages/access.js';
import { ServicesPage } from './pages/services.js';

function Shell() {
  if (signedIn.value === null) return html`<p class="boot muted" role="status">Loading…</p>`;
  if (!signedIn.value) return html`<${SignIn} />`;
  const route = parseRoute(path.value);
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a href="/" class="brand"><span class="logo" aria-hidden="true"></span>Berth</a>
      <nav aria-label="Main"><a href="/" aria-current=${route.page === 'apps' ? 'page' : undefined}>Apps</a><a href="/services" aria-current=${route.page === 'services' ? 'page' : undefined}>Services</a><a href="/access" aria-current=${route.page === 'access' ? 'page' : undefined}>Access</a></nav>
      <span class="grow"></span>
      <button type="button" class="btn ghost" onClick=${() => void signOut()}>Sign out</button>
    </header>
    ${route.page === 'apps' ? html`<${AppsPage} />`
      : route.page === 'access' ? html`<${AccessPage} />`
      : route.page === 'services' ? html`<${ServicesPage} />`
      : route.page === 'app' ? html`<${AppPage} key=${route.app} app=${route.app} tab=${route.tab} />`
      : html`<main id="main" class="page"><h1>Not found</h1><p><a href="/">Back to the apps</a></p></main>`}`;
}

interceptLinks();
render(html`<${Shell} />`, document.getElementById('app')!);
// With a session (its readable hint cookie, see api.ts) the apps feed starts with the session check, not after it.
void checkSession();
signedIn.subscribe((v) => { if (v) startFeed(); else if (v === false) stopFeed(); });
