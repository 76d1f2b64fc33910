// Run: a one-off command in a new container of the current release with the
// app's config (`berth run`), its output streamed into the page as it comes
// and its exit code shown; or detached, with the container's name. Stop ends
// the stream, which stops the container on the server.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, postStream, api } from '../api.js';
import type { TabProps } from '../pages/app.js';
import { Button, ErrorBox, Panel } from '../ui.js';

interface Chunk { readonly stream: 'stdout' | 'stderr'; readonly text: string }
type Outcome = { code: number } | { name: string } | { message: string };

export function Run({ app, info }: TabProps) {
  const [command, setCommand] = useState('');
  const [detach, setDetach] = useState(false);
  const [out, setOut] = useState<Chunk[]>([]);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState<AbortController | null>(null);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => () => running?.abort(), [running]);
  useEffect(() => { const el = box.current; if (el) el.scrollTop = el.scrollHeight; }, [out.length]);

  const start = async () => {
    const abort = new AbortController();
    setOut([]); setOutcome(null); setError(null); setRunning(abort);
    try {
      if (detach) setOutcome(await api<{ name: string }>('POST', `/apps/${enc(app)}/run`, { command, detach: true }));
      else {
        await postStream(`/apps/${enc(app)}/run`, { command }, (event, d) => {
          if (event === 'exit' || event === 'error') setOutcome(d);
          else setOut((o) => [...o, d as Chunk]);
        }, abort.signal);
      }
    } catch (err) {
      if (!abort.signal.aborted) setError(err);
    } finally { setRunning(null); }
  };

  if (!info.currentRelease) return html`<${Panel} title="Run a command"><p class="muted">Deploy the app first: a command runs in a container of its current release.</p><//>`;
  return html`<${Panel} title="Run a command">
    <p class="muted small">Runs in a new container of <strong>v${info.currentRelease}</strong> with the app's config vars, like <code>berth run ${app} -- <var>command</var></code>. The container is removed when the command ends.</p>
    <form class="runform" onSubmit=${(e: Event) => { e.preventDefault(); if (command.trim() && !running) void start(); }}>
      <label for="run-command">Command</label>
      <div class="runline">
        <input id="run-command" class="mono" value=${command} placeholder="e.g. node -v" autocomplete="off" spellcheck="false"
          onInput=${(e: Event) => setCommand((e.target as HTMLInputElement).value)} />
        ${running ? html`<${Button} kind="danger" onClick=${() => running.abort()}>Stop<//>`
          : html`<${Button} type="submit" kind="primary" disabled=${!command.trim()}>Run<//>`}
      </div>
      <label class="check"><input type="checkbox" checked=${detach} onChange=${(e: Event) => setDetach((e.target as HTMLInputElement).checked)} /> Detached (keep it running in the background; its output goes to the app's logs)</label>
    </form>
    <${ErrorBox} error=${error} />
    ${running || out.length || outcome ? html`<div class="buildlog-wrap">
      <div class="loghead"><span>Output</span><span class=${`live live-${running ? 'live' : 'closed'}`} role="status">${outcomeText(outcome, !!running)}</span></div>
      <pre class="buildlog runout" ref=${box} tabindex="0" aria-label="Command output">${out.map((c) => html`<span class=${c.stream === 'stderr' ? 'bl fail' : 'bl'}>${c.text}</span>`)}${!out.length && !running ? html`<span class="bl detail">(no output)</span>` : null}</pre>
    </div>` : null}
  <//>`;
}

function outcomeText(o: Outcome | null, running: boolean): string {
  if (running) return 'Running…';
  if (!o) return 'Stopped';
  if ('code' in o) return `Exited with code ${o.code}`;
  if ('name' in o) return `Started detached as ${o.name}`;
  return `Failed: ${o.message}`;
}
