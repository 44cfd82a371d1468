/** Every session, live: what each is doing, where, when it last did something, what waits for an answer. */
import { useEffect, useState } from 'preact/hooks';
import { app } from '../state/app.js';
import { useCell } from '../state/cell.js';
import { askingSession, isOpen, matchesFilter, sessionStatus, sessionTree, STATUS_LABEL, type StatusFilter } from '../state/sessions.js';
import { href } from './router.js';
import { ago } from './format.js';

const FILTERS: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'waiting', label: 'Waiting' },
  { value: 'failed', label: 'Failed' },
];

/** Re-renders every 30 s so "3m ago" stays true. */
function useMinuteClock(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function SessionList({ selected }: { selected: string | null }) {
  const sessions = useCell(app.sessions);
  const requests = useCell(app.requests);
  const [text, setText] = useState('');
  const [filter, setFilter] = useState<StatusFilter>('all');
  const now = useMinuteClock();

  const asks = new Map<string, number>();
  for (const request of requests.values()) {
    if (!isOpen(request)) continue;
    const at = askingSession(request);
    asks.set(at, (asks.get(at) ?? 0) + 1);
  }
  const all = sessions.order.map((id) => sessions.byId.get(id)!).filter(Boolean);
  const nodes = sessionTree(all).filter(({ session }) =>
    matchesFilter(session, sessionStatus(sessions.latestRun.get(session.id), asks.get(session.id) ?? 0), text, filter));

  return (
    <nav class="sessions" aria-labelledby="sessions-title">
      <div class="sessions-head">
        <h2 id="sessions-title">Sessions</h2>
        <a class="button primary small" href={href.newSession()}>New session</a>
      </div>
      <div class="filters">
        <label class="visually-hidden" for="session-filter">Filter sessions</label>
        <input id="session-filter" type="search" placeholder="Filter by title, id, directory…" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <div class="chips" role="group" aria-label="Show">
          {FILTERS.map((f) => (
            <button key={f.value} type="button" class={`chip ${filter === f.value ? 'on' : ''}`} aria-pressed={filter === f.value} onClick={() => setFilter(f.value)}>{f.label}</button>
          ))}
        </div>
      </div>
      {sessions.error && <p class="error" role="alert">{sessions.error}</p>}
      {!sessions.loading && all.length === 0 && <p class="muted pad">No sessions yet. <a href={href.newSession()}>Create one</a>.</p>}
      <ul class="session-list">
        {nodes.map(({ session, depth }) => {
          const latest = sessions.latestRun.get(session.id);
          const open = asks.get(session.id) ?? 0;
          const status = sessionStatus(latest, open);
          return (
            <li key={session.id} class={`depth-${Math.min(depth, 4)}`}>
              <a href={href.session(session.id)} class={`session-item ${selected === session.id ? 'selected' : ''}`} aria-current={selected === session.id ? 'page' : undefined}>
                <span class="line1">
                  {depth > 0 && <span class="tree" aria-label="child of the session above">↳</span>}
                  <span class="name">{session.title ?? session.id}</span>
                  {open > 0 && <span class="badge" aria-label={`${open} waiting for an answer`}>{open}</span>}
                </span>
                <span class="line2">
                  <span class={`status ${status}`}><span class={`dot ${status}`} aria-hidden="true" />{STATUS_LABEL[status]}</span>
                  <span class="muted">{session.provider}</span>
                  <span class="muted">{ago(session.updated_at, now)}</span>
                </span>
                <span class="line3 muted" title={session.cwd}>{session.cwd}</span>
              </a>
            </li>
          );
        })}
      </ul>
      {sessions.nextCursor && (
        <button type="button" class="more" disabled={sessions.loading} onClick={() => void app.loadMoreSessions()}>
          {sessions.loading ? 'Loading…' : 'Load older sessions'}
        </button>
      )}
    </nav>
  );
}
