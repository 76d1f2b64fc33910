// Calls to Berth's REST API as the CLI makes them: bearer token, JSON.
export interface ApiReply<T = any> { status: number; body: T }

export async function api<T = any>(port: number, token: string, method: string, path: string, body?: unknown): Promise<ApiReply<T>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Reads an SSE response to the end: the data events and the named ones. */
export async function sse(port: number, token: string, method: string, path: string, body?: unknown, untilMs = 30_000) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), untilMs);
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method, signal: abort.signal,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const events: { event: string; data: any }[] = [];
  let text = '';
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
  } catch { /* aborted: keep what arrived */ }
  clearTimeout(timer);
  for (const block of text.split('\n\n')) {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (data) events.push({ event, data: JSON.parse(data) });
  }
  return { status: res.status, events };
}
