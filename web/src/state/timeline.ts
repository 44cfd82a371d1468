/**
 * One session as a conversation: its event log folded into rows a person reads — messages, the
 * agent's items (commands with their output, edits, tool calls, reasoning), run state changes,
 * approvals and children. No DOM here: the view renders rows, this decides what they are.
 *
 * The log is loaded from its newest end and paged backwards (`prependOlder`), while live events
 * extend it (`appendLive`). The loaded events are always one contiguous run of `seq`: a live event
 * already held is dropped, and one that would leave a hole is refused (`gap`) so the caller fetches
 * what is missing first. Rows that several events build (an item started, streamed, completed; an
 * approval asked, then answered) are one row, updated in place; an older event never overwrites
 * what a newer one already said.
 */
import type { TypedEvent } from '../../../src/protocol/events.js';
import type { Message, Run } from '../../../src/protocol/schemas.js';
import type { AnyRequest } from '../../../src/protocol/approvals.js';
import type { AgentItem } from '../../../src/protocol/events.js';

interface RowBase {
  /** Stable identity of the row: what several events about one thing share. */
  key: string;
  /** seq of the event that made the row (its place in the log). */
  seq: number;
  ts: string;
  /** Bumped whenever the row changes, so a view can re-render just that row. */
  rev: number;
}

export type Row =
  | (RowBase & { kind: 'message'; message: Message })
  | (RowBase & { kind: 'item'; runId: string; item: AgentItem; phase: string; text: string | null; newestSeq: number })
  | (RowBase & { kind: 'run'; run: Run; from: string | null; reason: string | null })
  | (RowBase & { kind: 'request'; request: AnyRequest; newestSeq: number; fromChild: boolean })
  | (RowBase & { kind: 'child'; event: 'spawned' | 'completed'; childSessionId: string; title: string | null; state: string | null; text: string | null })
  | (RowBase & { kind: 'notice'; tone: 'info' | 'error'; text: string; detail: string | null });

export type RowOf<K extends Row['kind']> = Extract<Row, { kind: K }>;

/** Item types whose text is what the agent says (a bubble), not output. */
const SPEECH = new Set(['agent_message', 'text']);

/** What an item's text is, if it has one as a whole. */
export function itemText(item: AgentItem): string | null {
  return typeof item.text === 'string' ? item.text : null;
}

/** One run's state history: every `run.<state>` event seen for it, oldest first. */
export interface RunHistoryEntry {
  state: string;
  ts: string;
  reason: string | null;
  seq: number;
}

export type AppendResult = 'ok' | 'gap';

export class Timeline {
  rows: Row[] = [];
  /** seq range held: [firstSeq, lastSeq]; 0/0 while nothing is loaded. */
  firstSeq = 0;
  lastSeq = 0;
  /** Id of the newest event held: where a forward fetch continues. */
  lastId: string | null = null;
  /** Id of the oldest event held: where the next older page ends. */
  firstId: string | null = null;
  /** Whether events older than `firstSeq` exist. */
  hasOlder = false;
  /** Bumped on every change. */
  version = 0;
  /** Runs by id, as their latest event showed them. */
  readonly runs = new Map<string, Run>();
  readonly runHistory = new Map<string, RunHistoryEntry[]>();
  private readonly byKey = new Map<string, Row>();
  /**
   * A run's final message repeats what its last item said. The item is shown and the message not,
   * whichever of the two is loaded first: these remember each by `runId \0 text`.
   */
  private readonly itemSaid = new Set<string>();
  private readonly messageSaid = new Map<string, Row>();
  /** Rows taken out while folding an older page (a message its item now shows). */
  private readonly removed = new Set<Row>();

  constructor(readonly sessionId: string) {}

  get loaded(): boolean {
    return this.lastSeq > 0;
  }

  /** The first page: the newest events (oldest first), and whether older ones exist. */
  load(events: TypedEvent[], hasOlder: boolean): void {
    this.rows = [];
    this.byKey.clear();
    this.itemSaid.clear();
    this.messageSaid.clear();
    this.runs.clear();
    this.runHistory.clear();
    this.firstSeq = 0;
    this.lastSeq = 0;
    this.firstId = this.lastId = null;
    this.hasOlder = hasOlder;
    const fresh: Row[] = [];
    for (const event of events) this.fold(event, fresh, 'newer');
    this.rows = fresh;
    this.dropRemoved();
    if (events.length > 0) {
      this.firstSeq = events[0]!.seq;
      this.firstId = events[0]!.id;
      this.lastSeq = events[events.length - 1]!.seq;
      this.lastId = events[events.length - 1]!.id;
    }
    this.version++;
  }

  /**
   * Live events of this session, in log order. Those already held are skipped; if one would leave a
   * hole, nothing from it on is applied and `gap` is returned: fetch after `lastId` first.
   */
  appendLive(events: TypedEvent[]): AppendResult {
    let changed = false;
    let result: AppendResult = 'ok';
    const fresh: Row[] = [];
    for (const event of events) {
      if (event.session_id !== this.sessionId || event.seq <= this.lastSeq) continue;
      if (this.lastSeq > 0 && event.seq !== this.lastSeq + 1) {
        result = 'gap';
        break;
      }
      if (this.lastSeq === 0) {
        this.firstSeq = event.seq;
        this.firstId = event.id;
        this.hasOlder = event.seq > 1;
      }
      this.fold(event, fresh, 'newer');
      this.lastSeq = event.seq;
      this.lastId = event.id;
      changed = true;
    }
    if (fresh.length > 0) this.rows = this.rows.concat(fresh);
    this.dropRemoved();
    if (changed) this.version++;
    return result;
  }

  /** An older page (oldest first) ending right before `firstSeq`. */
  prependOlder(events: TypedEvent[], hasOlder: boolean): void {
    const older = events.filter((e) => e.session_id === this.sessionId && (this.firstSeq === 0 || e.seq < this.firstSeq));
    this.hasOlder = hasOlder;
    if (older.length > 0) {
      let fresh: Row[] = [];
      // Newest first, so what a newer event said stands and an older one only fills in.
      for (let i = older.length - 1; i >= 0; i--) this.fold(older[i]!, fresh, 'older');
      fresh.reverse();
      let rows = this.rows;
      if (this.removed.size > 0) {
        fresh = fresh.filter((r) => !this.removed.has(r));
        rows = rows.filter((r) => !this.removed.has(r));
        this.removed.clear();
      }
      this.rows = fresh.concat(rows);
      this.firstSeq = older[0]!.seq;
      this.firstId = older[0]!.id;
      if (this.lastSeq === 0) {
        this.lastSeq = older[older.length - 1]!.seq;
        this.lastId = older[older.length - 1]!.id;
      }
    }
    this.version++;
  }

  private dropRemoved(): void {
    if (this.removed.size === 0) return;
    this.rows = this.rows.filter((r) => !this.removed.has(r));
    this.removed.clear();
  }

  row(key: string): Row | undefined {
    return this.byKey.get(key);
  }

  /**
   * Folds one event into rows. `direction` says whether the event is newer than all held
   * (appended) or older (prepended, walking backwards); `out` collects new rows in that walk's order.
   */
  private fold(event: TypedEvent, out: Row[], direction: 'newer' | 'older'): void {
    const base = { seq: event.seq, ts: event.ts, rev: 0 };
    const add = (row: Row) => {
      this.byKey.set(row.key, row);
      out.push(row);
    };
    switch (event.type) {
      case 'session.created':
        return add({ ...base, key: `e:${event.id}`, kind: 'notice', tone: 'info', text: `Session created: ${event.data.session.provider} in ${event.data.session.cwd}`, detail: null });
      case 'message.created': {
        const message = event.data.message;
        const said = message.role === 'assistant' && message.run_id ? `${message.run_id}\0${message.text}` : null;
        if (said !== null && this.itemSaid.has(said)) return;
        const row: Row = { ...base, key: `m:${message.id}`, kind: 'message', message };
        if (said !== null) this.messageSaid.set(said, row);
        return add(row);
      }
      case 'run.item':
        return this.foldItem(event, base, add, direction);
      case 'run.queued':
      case 'run.running':
      case 'run.completed':
      case 'run.failed':
      case 'run.cancelled':
      case 'run.interrupted': {
        const run = event.data.run;
        const history = this.runHistory.get(run.id) ?? [];
        const entry = { state: run.state, ts: event.ts, reason: event.data.reason ?? null, seq: event.seq };
        if (direction === 'newer') history.push(entry);
        else history.unshift(entry);
        this.runHistory.set(run.id, history);
        const known = this.runs.get(run.id);
        if (direction === 'newer' || !known) this.runs.set(run.id, run);
        return add({ ...base, key: `e:${event.id}`, kind: 'run', run, from: event.data.from, reason: event.data.reason ?? null });
      }
      case 'run.provider_error':
        return add({ ...base, key: `e:${event.id}`, kind: 'notice', tone: 'error', text: 'The agent reported an error', detail: JSON.stringify(event.data.event, null, 2) });
      case 'request.created':
      case 'request.answered':
      case 'child.request':
        return this.foldRequest(event.data.request, event.type === 'child.request' || event.data.request.kind !== 'approval' || event.data.request.session_id !== this.sessionId, base, add);
      case 'child.spawned':
        return add({
          ...base, key: `e:${event.id}`, kind: 'child', event: 'spawned', childSessionId: event.data.session.id,
          title: event.data.session.title, state: event.data.run.state, text: event.data.run.prompt,
        });
      case 'child.completed':
        return add({
          ...base, key: `e:${event.id}`, kind: 'child', event: 'completed', childSessionId: event.data.child_session_id,
          title: null, state: event.data.state, text: event.data.final_text ?? event.data.error,
        });
      default:
        // session.thread, run.process, and types this client does not know yet: nothing to read.
        return;
    }
  }

  private foldItem(
    event: Extract<TypedEvent, { type: 'run.item' }>,
    base: { seq: number; ts: string; rev: number },
    add: (row: Row) => void,
    direction: 'newer' | 'older',
  ): void {
    const runId = event.run_id;
    const item = event.data.item;
    // A `delta` phase (codex streaming an answer) appends `item.delta` to the text so far.
    const phase: string = event.data.phase;
    const key = `i:${runId}:${item.id}`;
    const existing = this.byKey.get(key) as RowOf<'item'> | undefined;
    const delta = phase === 'delta' && typeof item.delta === 'string' ? item.delta : null;
    if (existing) {
      if (direction === 'older') {
        // Walking back: what a newer event said stands. Only a still-streaming answer lacks the
        // text of its older deltas, which go in front of it.
        if (delta !== null && existing.phase === 'delta') {
          existing.text = delta + (existing.text ?? '');
          existing.rev++;
        }
        return;
      }
      if (delta !== null) {
        if (existing.phase === 'completed') return;
        existing.text = (existing.text ?? '') + delta;
      } else {
        existing.item = item;
        existing.text = itemText(item) ?? existing.text;
      }
      existing.phase = phase;
      existing.newestSeq = base.seq;
      existing.rev++;
      this.remember(runId, existing);
      return;
    }
    const row: RowOf<'item'> = {
      ...base, key, kind: 'item', runId, item, phase, text: delta ?? itemText(item), newestSeq: base.seq,
    };
    this.remember(runId, row);
    add(row);
  }

  /** A completed item that said something: the run's final message saying the same is not shown. */
  private remember(runId: string, row: RowOf<'item'>): void {
    if (!SPEECH.has(row.item.type) || row.phase !== 'completed' || row.text === null) return;
    const said = `${runId}\0${row.text}`;
    this.itemSaid.add(said);
    // Walking back, the message (newer) came first: the item takes its place.
    const message = this.messageSaid.get(said);
    if (message) {
      this.messageSaid.delete(said);
      this.byKey.delete(message.key);
      this.removed.add(message);
    }
  }

  private foldRequest(request: AnyRequest, fromChild: boolean, base: { seq: number; ts: string; rev: number }, add: (row: Row) => void): void {
    const key = `r:${request.id}`;
    const existing = this.byKey.get(key) as RowOf<'request'> | undefined;
    if (existing) {
      // The settled state wins over the open one, whichever event came to us first.
      if (base.seq > existing.newestSeq || (existing.request.state === 'open' && request.state !== 'open')) {
        existing.request = request;
        existing.newestSeq = Math.max(existing.newestSeq, base.seq);
        existing.rev++;
      }
      return;
    }
    add({ ...base, key, kind: 'request', request, newestSeq: base.seq, fromChild });
  }
}
