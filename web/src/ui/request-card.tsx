/**
 * What an agent asks, and the buttons that answer it: an approval (a command and its directory,
 * file changes as diffs, a tool and its input) with approve / approve for the session / deny with a
 * message; or a child agent's escalation with a reply. Each answer carries an idempotency key that
 * a retry reuses, so a tap repeated after a dropped connection is answered once.
 */
import { useState } from 'preact/hooks';
import type { AnyRequest, ApprovalRequest } from '../../../src/protocol/approvals.js';
import type { EscalationRequest } from '../../../src/protocol/schemas.js';
import { api, describeError, idempotencyKey } from '../api.js';
import { href } from './router.js';
import { Diff } from './diff.js';
import { shortId } from './format.js';

const DECISION_WORDS: Record<string, string> = {
  approve: 'approved',
  approve_for_session: 'approved for the session',
  deny: 'denied',
};

function answeredBy(request: ApprovalRequest): string {
  const by = request.answered_by;
  if (!by) return '';
  switch (by.kind) {
    case 'person':
      return by.principal ? ` by ${by.principal}` : ' by a person';
    case 'agent':
      return ' by the parent agent';
    case 'rule':
    case 'session_grant':
      return by.rule ? ` by the rule “${by.rule}”` : ' by a rule';
    case 'policy':
      return ' by the approval policy';
    default:
      return '';
  }
}

function outcome(request: ApprovalRequest): string {
  switch (request.state) {
    case 'answered':
      return `${DECISION_WORDS[request.decision ?? ''] ?? request.decision}${answeredBy(request)}`;
    case 'expired':
      return 'expired: nobody answered in time, so it was denied';
    case 'cancelled':
      return 'cancelled: the run ended before it was answered';
    default:
      return 'waiting for an answer';
  }
}

/** One key per decision, kept across retries of that decision. */
function useKeys() {
  const [keys] = useState(() => new Map<string, string>());
  return (what: string) => {
    let key = keys.get(what);
    if (!key) keys.set(what, (key = idempotencyKey()));
    return key;
  };
}

function ApprovalCard({ request, showSession }: { request: ApprovalRequest; showSession: boolean }) {
  const [message, setMessage] = useState('');
  const [denying, setDenying] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keyFor = useKeys();
  const open = request.state === 'open';

  const answer = async (decision: 'approve' | 'approve_for_session' | 'deny') => {
    setBusy(true);
    setError(null);
    try {
      if (decision === 'deny') {
        const text = message.trim();
        await api.denyRequest(request.id, { ...(text && { message: text }), idempotency_key: keyFor(`deny ${text}`) });
      } else {
        await api.approveRequest(request.id, { ...(decision === 'approve_for_session' && { for_session: true }), idempotency_key: keyFor(decision) });
      }
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const headingId = `req-${request.id}`;
  return (
    <section class={`card request ${open ? 'open' : 'settled'}`} aria-labelledby={headingId} data-request={request.id}>
      <header>
        <h3 id={headingId}>{open ? 'Approval needed' : 'Approval'}</h3>
        <span class={`pill ${request.state === 'answered' && request.decision !== 'deny' ? 'ok' : open ? 'warn' : 'bad'}`}>{outcome(request)}</span>
      </header>
      {showSession && <p class="muted small">in <a href={href.session(request.session_id)}>{shortId(request.session_id)}</a>{request.parent_session_id ? ' (a child session)' : ''}</p>}
      <p class="ask">{request.text}</p>
      {request.command !== null && (
        <div class="command">
          <pre class="code"><span class="prompt" aria-hidden="true">$ </span>{request.command}</pre>
          {request.cwd && <p class="muted small">in <code>{request.cwd}</code></p>}
        </div>
      )}
      {request.tool !== null && request.command === null && (
        <div>
          <p class="small">Tool <code>{request.tool}</code></p>
          {request.input !== null && request.input !== undefined && <pre class="code">{JSON.stringify(request.input, null, 2)}</pre>}
        </div>
      )}
      {request.changes?.map((change) => (
        <div class="change" key={change.path}>
          <p class="small"><code>{change.path}</code> <span class="muted">({change.kind})</span></p>
          {change.diff && <Diff text={change.diff} />}
        </div>
      ))}
      {request.reason && <p class="muted small">Why: {request.reason}</p>}
      {request.message && !open && <p class="small">Told the agent: “{request.message}”</p>}
      {open && (
        <div class="actions">
          <button type="button" class="primary" disabled={busy} onClick={() => answer('approve')}>Approve</button>
          {request.decisions.includes('approve_for_session') && (
            <button type="button" disabled={busy} onClick={() => answer('approve_for_session')}>Approve for session</button>
          )}
          {!denying && <button type="button" class="danger" disabled={busy} onClick={() => setDenying(true)}>Deny…</button>}
        </div>
      )}
      {open && denying && (
        <form class="deny" onSubmit={(e) => { e.preventDefault(); void answer('deny'); }}>
          <label for={`deny-${request.id}`}>Message to the agent (optional)</label>
          <textarea id={`deny-${request.id}`} rows={2} value={message} onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)} />
          <div class="actions">
            <button type="submit" class="danger" disabled={busy}>Deny</button>
            <button type="button" disabled={busy} onClick={() => setDenying(false)}>Back</button>
          </div>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

const ESCALATION_WORDS: Record<string, string> = {
  approval_request: 'asks for approval',
  permission_request: 'asks for permission',
  question: 'asks',
  progress: 'reports progress',
  result: 'reports a result',
};

function EscalationCard({ request, showSession }: { request: EscalationRequest; showSession: boolean }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keyFor = useKeys();
  const open = request.state === 'open';
  const send = async () => {
    const answer = text.trim();
    if (!answer) return;
    setBusy(true);
    setError(null);
    try {
      await api.respondToRequest(request.id, { text: answer, idempotency_key: keyFor(answer) });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const headingId = `req-${request.id}`;
  return (
    <section class={`card request ${open ? 'open' : 'settled'}`} aria-labelledby={headingId} data-request={request.id}>
      <header>
        <h3 id={headingId}>A child agent {ESCALATION_WORDS[request.kind] ?? 'writes'}</h3>
        <span class={`pill ${open ? 'warn' : 'ok'}`}>{open ? 'waiting for an answer' : request.state}</span>
      </header>
      <p class="muted small">
        from <a href={href.session(request.child_session_id)}>{shortId(request.child_session_id)}</a>
        {showSession && <> to <a href={href.session(request.parent_session_id)}>{shortId(request.parent_session_id)}</a></>}
      </p>
      <p class="ask">{request.text}</p>
      {request.answer_text !== null && <p class="small">Answered: “{request.answer_text}”</p>}
      {open && (
        <form class="reply" onSubmit={(e) => { e.preventDefault(); void send(); }}>
          <label for={`reply-${request.id}`}>Your answer</label>
          <textarea id={`reply-${request.id}`} rows={2} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
          <div class="actions">
            <button type="submit" class="primary" disabled={busy || !text.trim()}>Send answer</button>
          </div>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

export function RequestCard({ request, showSession = false }: { request: AnyRequest; showSession?: boolean }) {
  return request.kind === 'approval'
    ? <ApprovalCard request={request} showSession={showSession} />
    : <EscalationCard request={request} showSession={showSession} />;
}
