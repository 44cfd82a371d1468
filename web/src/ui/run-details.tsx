/**
 * One run in detail: its state history, timings, usage, how it ended, and agentd's diagnosis in
 * words (`likely_issue`), asked again whenever the run changes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Diagnostics, Run } from '../../../src/protocol/schemas.js';
import { api, describeError } from '../api.js';
import { app } from '../state/app.js';
import { useCell } from '../state/cell.js';
import { clock, duration } from './format.js';
import { href, navigate } from './router.js';

function UsageTable({ usage }: { usage: Record<string, unknown> }) {
  const entries = Object.entries(usage).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
  if (entries.length === 0) return null;
  return (
    <table class="kv">
      <caption>Usage</caption>
      <tbody>{entries.map(([k, v]) => <tr key={k}><th scope="row">{k.replace(/_/g, ' ')}</th><td>{String(v)}</td></tr>)}</tbody>
    </table>
  );
}

export function RunDetails({ sessionId, runId }: { sessionId: string; runId: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const open = app.openTimeline(sessionId);
  useCell(open.cell);
  const [run, setRun] = useState<Run | null>(null);
  const [diagnostics, setDiagnostics] = useState<Diagnostics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seen = open.timeline.runs.get(runId);
  const history = open.timeline.runHistory.get(runId) ?? [];

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    let stopped = false;
    api.diagnoseRun(runId).then(
      (answer) => {
        if (stopped) return;
        setRun(answer.run);
        setDiagnostics(answer.diagnostics);
      },
      (err) => !stopped && setError(describeError(err)),
    );
    return () => {
      stopped = true;
    };
  }, [runId, seen?.updated_at]);

  const shown = run && seen && seen.updated_at > run.updated_at ? seen : run ?? seen ?? null;
  const close = () => navigate(href.session(sessionId));
  return (
    <dialog ref={dialog} class="sheet drawer" aria-labelledby="run-title" onClose={close} onCancel={close}>
      <div class="sheet-head">
        <h2 id="run-title">Run details</h2>
        <button type="button" onClick={() => dialog.current?.close()} aria-label="Close run details">Close</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!shown && !error && <p class="muted">Loading…</p>}
      {shown && (
        <>
          <p><code>{shown.id}</code></p>
          {diagnostics && <p class="diagnosis"><strong>{shown.state}</strong>: {diagnostics.likely_issue}</p>}
          {diagnostics?.waiting_for_approval && (
            <p class="warn small">Waits for an approval since {clock(diagnostics.waiting_for_approval.since)}: {diagnostics.waiting_for_approval.text}</p>
          )}
          {shown.error && <p class="error">{shown.error}</p>}
          <table class="kv">
            <caption>Timings</caption>
            <tbody>
              <tr><th scope="row">created</th><td>{clock(shown.created_at)}</td></tr>
              <tr><th scope="row">waited in queue</th><td>{duration(shown.created_at, shown.started_at)}</td></tr>
              <tr><th scope="row">ran for</th><td>{shown.started_at ? duration(shown.started_at, shown.ended_at ?? new Date().toISOString()) : '—'}{shown.ended_at ? '' : ' so far'}</td></tr>
              <tr><th scope="row">attempts</th><td>{shown.attempt}</td></tr>
              <tr><th scope="row">exit code</th><td>{shown.exit_code ?? '—'}</td></tr>
              <tr><th scope="row">worker · pid</th><td>{shown.worker_id ?? '—'} · {shown.pid ?? '—'}</td></tr>
              {shown.cost_usd !== null && <tr><th scope="row">cost</th><td>${shown.cost_usd.toFixed(4)}</td></tr>}
            </tbody>
          </table>
          {shown.usage && <UsageTable usage={shown.usage} />}
          <h3>State history</h3>
          {history.length === 0 ? (
            <p class="muted small">Its state changes are further back in the session than what is loaded.</p>
          ) : (
            <ol class="history">
              {history.map((h) => <li key={h.seq}><time dateTime={h.ts}>{clock(h.ts)}</time> <strong>{h.state}</strong>{h.reason ? ` — ${h.reason}` : ''}</li>)}
            </ol>
          )}
          <h3>Prompt</h3>
          <pre class="code">{shown.prompt}</pre>
          {shown.final_text && <><h3>Final text</h3><pre class="code">{shown.final_text}</pre></>}
        </>
      )}
    </dialog>
  );
}
