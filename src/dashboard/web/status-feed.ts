// The live list of apps (/status/stream), opened as the page boots, in
// parallel with the session check, so the apps page has its rows one round
// trip sooner; kept open while signed in, so going back to it is instant.
import { signal } from '@preact/signals';
import { openStream, type Stream, type StreamState } from './sse.js';
import type { AppStatus } from './pages/apps.js';

export const apps = signal<AppStatus[] | null>(null);
export const feedState = signal<StreamState>('connecting');
export const feedError = signal('');
let stream: Stream | undefined;

export function startFeed(): void {
  if (stream && stream.state.value !== 'closed') return;
  stream = openStream('/status/stream', {
    apps: (d) => { apps.value = d.apps; feedError.value = ''; },
    error: (d) => { feedError.value = d.message; },
  });
  stream.state.subscribe((v) => { feedState.value = v; });
}

export function stopFeed(): void {
  stream?.close();
  stream = undefined;
  apps.value = null;
}
