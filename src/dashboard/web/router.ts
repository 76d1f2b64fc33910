// History-API routing: / (apps), /apps/:app, /apps/:app/:tab, /access and /services. The server
// answers each of these paths with the same page.
import { signal } from '@preact/signals';

export const path = signal(location.pathname);

export function navigate(to: string): void {
  if (to === location.pathname) return;
  history.pushState(null, '', to);
  path.value = to;
  window.scrollTo(0, 0);
}

export type Route = { page: 'apps' } | { page: 'access' } | { page: 'services' } | { page: 'app'; app: string; tab: string } | { page: 'missing' };

export function parseRoute(p: string): Route {
  if (p === '/' || p === '/apps' || p === '/apps/') return { page: 'apps' };
  if (p === '/access' || p === '/access/') return { page: 'access' };
  if (p === '/services' || p === '/services/') return { page: 'services' };
  const m = /^\/apps\/([a-z0-9-]+)(?:\/([a-z]+))?\/?$/.exec(p);
  return m ? { page: 'app', app: m[1]!, tab: m[2] ?? 'overview' } : { page: 'missing' };
}

/** Same-origin links move without a reload (modifier clicks still open tabs). */
export function interceptLinks(): void {
  addEventListener('popstate', () => { path.value = location.pathname; });
  document.addEventListener('click', (e) => {
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (a.target || a.origin !== location.origin || parseRoute(a.pathname).page === 'missing') return;
    e.preventDefault();
    navigate(a.pathname);
  });
}
