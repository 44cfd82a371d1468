import type { AgentdClient } from '../../client/http-client.js';
import type { AgentEvent, Run } from '../../protocol/schemas.js';
import { formatElapsed, type Terminal } from '../terminal.js';
import { waitForRun } from '../wait.js';
import { followRun } from './follow-run.js';
import { itemSummary } from './render.js';
import { StatusLine, type Segment } from './status-line.js';

/** What the status line shows; kept current by the run's events. */
interface RunView {
  state: Run['state'];
  /** `updated_at` of the run as last applied: the stream replays older states first. */
  updatedAt: string;
  createdAt: number;
  startedAt: number | null;
  last: string;
  /** 1-based among queued runs daemon-wide, and how many are queued (while queued). */
  position: number | null;
  queued: number | null;
}

const TICK_MS = 1000;

/**
 * `run wait` for a person at a terminal: the same wait (the long-poll decides when it is over and
 * what is printed), plus a status line redrawn in place — state, time in that state, the last
 * thing the agent did, and the queue position while queued. The line is erased before the result
 * is printed, so the terminal ends up exactly as without it.
 *
 * The line follows the run's events; the elapsed time and, while queued, the queue position (other
 * sessions' runs move it, and their events are not in this session's stream) are refreshed once a
 * second. None of it decides anything: if the stream fails, the line just stops changing.
 */
export async function waitWithStatus(client: AgentdClient, runId: string, timeoutS: number | undefined, term: Terminal) {
  const { run } = await client.getRun(runId);
  if (run.state === 'completed' || run.state === 'failed' || run.state === 'cancelled') return waitForRun(client, runId, timeoutS);

  const view: RunView = {
    state: run.state,
    updatedAt: run.updated_at,
    createdAt: Date.parse(run.created_at),
    startedAt: run.started_at ? Date.parse(run.started_at) : null,
    last: '',
    position: null,
    queued: null,
  };
  const line = new StatusLine(term.err);
  const redraw = () => line.draw(segments(view, term));
  const stop = new AbortController();
  void followRun({
    client,
    sessionId: run.session_id,
    runId,
    signal: stop.signal,
    onEvent: (event) => {
      if (stop.signal.aborted) return;
      apply(view, event);
      redraw();
    },
  }).catch(() => undefined);

  let asking = false;
  const refreshPosition = () => {
    if (view.state !== 'queued' || asking) return;
    asking = true;
    client.diagnoseRun(runId).then(
      ({ diagnostics }) => {
        asking = false;
        if (stop.signal.aborted) return;
        view.position = diagnostics.queue_position;
        view.queued = diagnostics.queue_counts.queued_count;
        redraw();
      },
      () => (asking = false),
    );
  };
  const ticker = setInterval(() => {
    redraw();
    refreshPosition();
  }, TICK_MS);
  redraw();
  refreshPosition();
  try {
    return await waitForRun(client, runId, timeoutS);
  } finally {
    // Guards the terminal: no redraw may land after the line is erased.
    stop.abort();
    clearInterval(ticker);
    line.clear();
  }
}

function apply(view: RunView, event: AgentEvent): void {
  const data = (event.data ?? {}) as { run?: Run; item?: Record<string, unknown> };
  if (event.type === 'run.item' && data.item) view.last = itemSummary(data.item);
  // ISO-8601 UTC timestamps of one clock compare as text.
  if (event.type.startsWith('run.') && data.run && data.run.updated_at >= view.updatedAt) {
    view.state = data.run.state;
    view.updatedAt = data.run.updated_at;
    view.startedAt = data.run.started_at ? Date.parse(data.run.started_at) : view.startedAt;
    if (view.state !== 'queued') view.position = view.queued = null;
  }
}

function segments(view: RunView, term: Terminal): Segment[] {
  const { paint } = term;
  const since = view.state === 'queued' || view.startedAt === null ? view.createdAt : view.startedAt;
  const parts: Segment[] = [
    { text: view.state, style: view.state === 'queued' ? paint.yellow : paint.cyan },
    { text: ` ${formatElapsed(Date.now() - since)}`, style: paint.bold },
  ];
  if (view.state === 'queued' && view.position !== null) {
    parts.push({ text: ` · position ${view.position}${view.queued ? ` of ${view.queued}` : ''}` });
  }
  if (view.last) parts.push({ text: ` · ${view.last}`, style: paint.dim });
  return parts;
}
