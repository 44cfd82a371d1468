/**
 * One session, live: its header (what it is, what it is doing, what can be done to it), the
 * conversation (virtualised, older history paged in on scroll), and the composer.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Run, Session } from '../../../src/protocol/schemas.js';
import { app } from '../state/app.js';
import { useCell } from '../state/cell.js';
import { askingSession, isOpen, sessionStatus, STATUS_LABEL } from '../state/sessions.js';
import type { Row } from '../state/timeline.js';
import { describeError } from '../api.js';
import { VirtualList } from './virtual-list.js';
import { estimateRow, RowView } from './rows.js';
import { Composer } from './composer.js';
import { SpawnChild } from './spawn-child.js';
import { href } from './router.js';
import { ago } from './format.js';

/** Runs of the session that are queued or running, oldest first: what the composer offers to cancel. */
function activeRuns(seen: Map<string, Run>, latest: Run | undefined): Run[] {
  const runs = new Map(seen);
  if (latest && !runs.has(latest.id)) runs.set(latest.id, latest);
  return [...runs.values()].filter((r) => r.state === 'queued' || r.state === 'running').sort((a, b) => (a.id < b.id ? -1 : 1));
}

export function SessionView({ id }: { id: string }) {
  const sessions = useCell(app.sessions);
  const requests = useCell(app.requests);
  const [session, setSession] = useState<Session | null>(sessions.byId.get(id) ?? null);
  const [missing, setMissing] = useState<string | null>(null);
  const [spawning, setSpawning] = useState(false);
  const open = app.openTimeline(id);
  useCell(open.cell);

  useEffect(() => {
    setMissing(null);
    setSpawning(false);
    app.session(id).then(setSession, (err) => setMissing(describeError(err)));
  }, [id]);
  const current = sessions.byId.get(id) ?? session;
  if (missing) return <section class="empty"><h2>Session not found</h2><p>{missing}</p><a href={href.sessions()}>Back to sessions</a></section>;

  const latestRun = sessions.latestRun.get(id);
  const asks = [...requests.values()].filter((r) => isOpen(r) && askingSession(r) === id).length;
  const status = sessionStatus(latestRun, asks);
  const parent = current?.parent_session_id ?? null;
  const name = current?.title ?? id;
  const { timeline } = open;

  return (
    <section class="session" aria-labelledby="session-title">
      <header class="session-head">
        <div class="title-line">
          <a class="back" href={href.sessions()} aria-label="All sessions">←</a>
          <h2 id="session-title">{name}</h2>
          <span class={`status ${status}`}><span class={`dot ${status}`} aria-hidden="true" />{STATUS_LABEL[status]}</span>
        </div>
        {current ? (
          <p class="meta">
            <span>{current.provider}</span> · <code title={current.cwd}>{current.cwd}</code>
            {current.approval_policy && <> · policy {current.approval_policy}</>}
            {parent && <> · child of <a href={href.session(parent)}>{parent}</a></>}
            {' · '}active {ago(current.updated_at)}
          </p>
        ) : <p class="meta" aria-busy="true">Loading…</p>}
        <div class="actions">
          {latestRun && <a class="button small" href={href.run(id, latestRun.id)}>Run details</a>}
          <button type="button" class="small" disabled={!current} onClick={() => setSpawning(true)}>Spawn child</button>
        </div>
      </header>
      {spawning && current && <SpawnChild parent={current} onClose={() => setSpawning(false)} />}
      {open.error && <p class="error" role="alert">{open.error}</p>}
      {open.loading ? (
        <div class="vlist" aria-busy="true"><p class="muted center">Loading the conversation…</p></div>
      ) : (
        <VirtualList<Row>
          id="timeline"
          label={`Conversation of ${name}`}
          items={timeline.rows}
          version={timeline.version}
          keyOf={(row) => row.key}
          revOf={(row) => row.rev}
          estimate={estimateRow}
          render={(row) => <RowView row={row} sessionId={id} />}
          onNearTop={() => void app.loadOlder(id)}
          header={
            timeline.hasOlder
              ? <p class="muted center small">{open.loadingOlder ? 'Loading older events…' : 'Scroll up for older events'}</p>
              : timeline.firstSeq > 1
                ? <p class="muted center small">Older events are no longer kept (agentd's retention deleted them)</p>
                : <p class="muted center small">Start of the session</p>
          }
        />
      )}
      <Composer sessionId={id} activeRuns={activeRuns(timeline.runs, latestRun)} />
    </section>
  );
}
