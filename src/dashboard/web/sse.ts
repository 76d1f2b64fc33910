// Server-Sent Events from /api/v1. EventSource reconnects by itself and sends
// the last event id back (Last-Event-ID), and the server resumes after it, so
// a dropped stream loses and repeats nothing. `end` closes it for good.
import { signal, type Signal } from '@preact/signals';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';
export type Handlers = Record<string, (data: any, id: string) => void>;

export interface Stream { readonly state: Signal<StreamState>; close(): void }

export function openStream(path: string, handlers: Handlers): Stream {
  const state = signal<StreamState>('connecting');
  const es = new EventSource(`/api/v1${path}`);
  const close = () => { es.close(); state.value = 'closed'; };
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (e) => {
      // EventSource's own `error` (a dropped connection) has no data: only the server's events do.
      const m = e as MessageEvent;
      if (typeof m.data === 'string') fn(JSON.parse(m.data), m.lastEventId);
    });
  }
  es.addEventListener('end', close);
  es.onopen = () => { state.value = 'live'; };
  // CLOSED here means the server refused (e.g. the session expired).
  es.onerror = () => { state.value = es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'; };
  return { state, close };
}
