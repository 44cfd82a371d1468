/**
 * Writing to the agent. A message gets an idempotency key when it is first sent and keeps it until
 * agentd confirms it: a retry after a dropped connection (or a reload — the unconfirmed message is
 * kept in sessionStorage) is replayed by agentd, never queued twice. While the run waits for a
 * worker, its place in the queue is shown; while it runs, it can be cancelled.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Run } from '../../../src/protocol/schemas.js';
import { api, describeError, idempotencyKey } from '../api.js';

interface Outgoing {
  text: string;
  key: string;
}

const outboxKey = (sessionId: string) => `agentd.outbox.${sessionId}`;

function loadOutbox(sessionId: string): Outgoing | null {
  try {
    const raw = sessionStorage.getItem(outboxKey(sessionId));
    return raw ? (JSON.parse(raw) as Outgoing) : null;
  } catch {
    return null;
  }
}

function saveOutbox(sessionId: string, outgoing: Outgoing | null): void {
  if (outgoing) sessionStorage.setItem(outboxKey(sessionId), JSON.stringify(outgoing));
  else sessionStorage.removeItem(outboxKey(sessionId));
}

/** The run's place in the queue while it is queued: asked again whenever the run changes, and every few seconds. */
function useQueuePosition(run: Run): number | null {
  const [position, setPosition] = useState<number | null>(null);
  const queued = run.state === 'queued' ? run.id : null;
  useEffect(() => {
    if (!queued) return setPosition(null);
    let stopped = false;
    const ask = async () => {
      try {
        const { diagnostics } = await api.diagnoseRun(queued);
        if (!stopped) setPosition(diagnostics.queue_position);
      } catch {
        // shown again on the next try
      }
    };
    void ask();
    // Other principals' runs move the queue too, and their events are not ours to see.
    const timer = setInterval(ask, 3000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [queued, run.updated_at]);
  return position;
}

/** A run that is queued or running, and the button that cancels it. */
function ActiveRun({ run, onError }: { run: Run; onError: (message: string) => void }) {
  const position = useQueuePosition(run);
  const [cancelling, setCancelling] = useState(false);
  const cancel = async () => {
    setCancelling(true);
    try {
      await api.cancelRun(run.id);
    } catch (err) {
      onError(describeError(err));
    } finally {
      setCancelling(false);
    }
  };
  return (
    <div class="runstate" role="status" data-run={run.id}>
      <span class={`dot ${run.state}`} aria-hidden="true" />
      {run.state === 'queued' ? `Queued${position !== null ? ` — position ${position} in the queue` : ''}` : 'Running'}
      <span class="muted small prompt-preview">{run.prompt.length > 60 ? `${run.prompt.slice(0, 60)}…` : run.prompt}</span>
      <button type="button" class="danger small" disabled={cancelling} onClick={() => void cancel()}>
        {cancelling ? 'Cancelling…' : 'Cancel run'}
        <span class="visually-hidden"> ({run.state}): {run.prompt.slice(0, 60)}</span>
      </button>
    </div>
  );
}

export function Composer({ sessionId, activeRuns }: { sessionId: string; activeRuns: Run[] }) {
  const [text, setText] = useState('');
  const [outgoing, setOutgoing] = useState<Outgoing | null>(() => loadOutbox(sessionId));
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setOutgoing(loadOutbox(sessionId));
    setError(null);
    setText('');
  }, [sessionId]);

  const send = async (message: Outgoing) => {
    setOutgoing(message);
    saveOutbox(sessionId, message);
    setSending(true);
    setError(null);
    try {
      await api.sendMessage(sessionId, { text: message.text, idempotency_key: message.key });
      setOutgoing(null);
      saveOutbox(sessionId, null);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSending(false);
    }
  };

  const submit = () => {
    const value = text.trim();
    if (!value || sending) return;
    setText('');
    void send({ text: value, key: idempotencyKey() });
  };

  return (
    <div class="composer">
      {activeRuns.map((run) => <ActiveRun key={run.id} run={run} onError={setError} />)}
      {outgoing && !sending && (
        <div class="unsent" role="alert">
          <p>Not confirmed: “{outgoing.text.length > 80 ? `${outgoing.text.slice(0, 80)}…` : outgoing.text}”{error ? ` — ${error}` : ''}. Retrying sends it once, never twice.</p>
          <div class="actions">
            <button type="button" class="primary small" disabled={sending} onClick={() => void send(outgoing)}>Retry</button>
            <button type="button" class="small" onClick={() => { setOutgoing(null); saveOutbox(sessionId, null); setError(null); }}>Discard</button>
          </div>
        </div>
      )}
      {!outgoing && error && <p class="error" role="alert">{error}</p>}
      <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <label class="visually-hidden" for="composer-text">Message to the agent</label>
        <textarea
          id="composer-text"
          rows={2}
          placeholder="Message the agent… (Enter to send, Shift+Enter for a new line)"
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" class="primary" disabled={sending || !text.trim()}>{sending ? 'Sending…' : 'Send'}</button>
      </form>
    </div>
  );
}
