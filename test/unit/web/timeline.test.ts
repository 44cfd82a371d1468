/**
 * The web client's conversation model (web/src/state/timeline.ts): how a session's log becomes
 * rows, whichever way it is loaded — newest page first, older pages after, live events on top.
 */
import { describe, expect, it } from 'vitest';
import { Timeline, type Row } from '../../../web/src/state/timeline.js';

const S = 'ses_1';
const R = 'run_1';
let position = 0;

function ev(seq: number, type: string, data: unknown, runId?: string): any {
  position += 1;
  return { id: `evt_${String(seq).padStart(16, '0')}`, session_id: S, seq, type, ts: new Date(1_800_000_000_000 + seq * 1000).toISOString(), data, ...(runId && { run_id: runId }) };
}

const run = (state: string, id = R) => ({ id, session_id: S, state, provider: 'codex', prompt: 'p', message_id: null, parent_run_id: null, worker_id: null, pid: null, exit_code: null, error: null, usage: null, cost_usd: null, final_text: null, attempt: 1, created_at: 't', updated_at: `t${state}`, started_at: null, ended_at: null });
const message = (id: string, role: string, text: string, runId: string | null = R) => ({ message: { id, session_id: S, role, text, run_id: runId, request_id: null, created_at: 't' } });
const item = (phase: string, fields: Record<string, unknown>) => ({ phase, item: { id: 'item_1', type: 'agent_message', ...fields } });
const approval = (state: string, decision: string | null = null) => ({ request: { id: 'req_1', kind: 'approval', state, session_id: S, run_id: R, parent_session_id: null, action: 'command', command: 'ls', cwd: '/', tool: null, input: null, changes: null, reason: null, decisions: ['approve', 'deny'], text: 'run ls', decision, message: null, answered_by: null, created_at: 't', answered_at: null } });

/** A turn of codex: the user's message, the run, a streamed answer, its final message. */
function turn(): any[] {
  return [
    ev(1, 'session.created', { session: { provider: 'codex', cwd: '/repo' } }),
    ev(2, 'message.created', message('msg_u', 'user', 'hi')),
    ev(3, 'run.queued', { run: run('queued'), from: null }, R),
    ev(4, 'run.running', { run: run('running'), from: 'queued' }, R),
    ev(5, 'run.item', item('started', { text: '' }), R),
    ev(6, 'run.item', item('delta', { delta: 'hel' }), R),
    ev(7, 'run.item', item('delta', { delta: 'lo' }), R),
    ev(8, 'run.item', item('completed', { text: 'hello' }), R),
    ev(9, 'run.completed', { run: run('completed'), from: 'running' }, R),
    ev(10, 'message.created', message('msg_a', 'assistant', 'hello')),
  ];
}

const summary = (rows: Row[]) => rows.map((r) => {
  switch (r.kind) {
    case 'message': return `${r.message.role}:${r.message.text}`;
    case 'item': return `item:${r.text}${r.phase === 'completed' ? '' : '…'}`;
    case 'run': return `run:${r.run.state}`;
    case 'request': return `request:${r.request.state}`;
    case 'notice': return 'notice';
    case 'child': return `child:${r.event}`;
  }
});

const EXPECTED = ['notice', 'user:hi', 'run:queued', 'run:running', 'item:hello', 'run:completed'];

describe('the conversation of a session', () => {
  it('live: a streamed answer is one row that grows, and the final message does not repeat it', () => {
    const t = new Timeline(S);
    const events = turn();
    t.appendLive(events.slice(0, 6));
    expect(summary(t.rows).at(-1)).toBe('item:hel…');
    t.appendLive(events.slice(6, 7));
    expect(summary(t.rows).at(-1)).toBe('item:hello…');
    t.appendLive(events.slice(7));
    expect(summary(t.rows)).toEqual(EXPECTED);
    expect(t.runHistory.get(R)!.map((h) => h.state)).toEqual(['queued', 'running', 'completed']);
    expect(t.runs.get(R)!.state).toBe('completed');
  });

  it('loaded newest page first, then older pages: the same rows as live, in the same order', () => {
    const events = turn();
    for (const split of [1, 3, 5, 6, 7, 8, 9]) {
      const t = new Timeline(S);
      t.load(events.slice(split), true);
      t.prependOlder(events.slice(0, split), false);
      expect(summary(t.rows), `split at ${split}`).toEqual(EXPECTED);
      expect(t.runHistory.get(R)!.map((h) => h.state), `split at ${split}`).toEqual(['queued', 'running', 'completed']);
      expect(t.runs.get(R)!.state).toBe('completed');
      expect([t.firstSeq, t.lastSeq, t.hasOlder]).toEqual([1, 10, false]);
    }
  });

  it('an answer still streaming when the page was read gets its older deltas in front', () => {
    const events = turn().slice(0, 7);
    const t = new Timeline(S);
    t.load(events.slice(6), true); // only the last delta: "lo"
    t.prependOlder(events.slice(0, 6), false); // ... then "hel" and the start
    expect(summary(t.rows).at(-1)).toBe('item:hello…');
  });

  it('live events already held are skipped; one that would leave a hole is refused until the hole is filled', () => {
    const events = turn();
    const t = new Timeline(S);
    t.load(events.slice(0, 4), false);
    expect(t.appendLive(events.slice(2, 5))).toBe('ok'); // 3 and 4 again, then 5
    expect(summary(t.rows)).toEqual(['notice', 'user:hi', 'run:queued', 'run:running', 'item:…']);
    expect(t.appendLive(events.slice(7))).toBe('gap'); // 8… without 6 and 7
    expect(t.lastSeq).toBe(5);
    expect(t.appendLive(events.slice(5))).toBe('ok');
    expect(summary(t.rows)).toEqual(EXPECTED);
    expect(t.rows.map((r) => r.key).length).toBe(new Set(t.rows.map((r) => r.key)).size);
  });

  it('an approval is one card: asked, then answered; an older "asked" never reopens it', () => {
    const t = new Timeline(S);
    t.load([ev(1, 'request.created', approval('open')), ev(2, 'request.answered', approval('answered', 'approve'))], false);
    expect(summary(t.rows)).toEqual(['request:answered']);
    const back = new Timeline(S);
    back.load([ev(2, 'request.answered', approval('answered', 'approve'))], true);
    back.prependOlder([ev(1, 'request.created', approval('open'))], false);
    expect(summary(back.rows)).toEqual(['request:answered']);
  });

  it('a script printing the same line twice shows it twice; its last line is not repeated as the final message', () => {
    const line = (seq: number, n: number, text: string) => ev(seq, 'run.item', { phase: 'completed', item: { id: `item_${n}`, type: 'text', text } }, R);
    const events = [line(1, 1, 'ok'), line(2, 2, 'ok'), line(3, 3, 'done'), ev(4, 'message.created', message('msg_a', 'assistant', 'done'))];
    const live = new Timeline(S);
    live.appendLive(events);
    expect(summary(live.rows)).toEqual(['item:ok', 'item:ok', 'item:done']);
    const paged = new Timeline(S);
    paged.load(events.slice(3), true);
    paged.prependOlder(events.slice(1, 3), true);
    paged.prependOlder(events.slice(0, 1), false);
    expect(summary(paged.rows)).toEqual(['item:ok', 'item:ok', 'item:done']);
  });

  it('user text is kept as it was typed, markup and all (the view renders it as text)', () => {
    const t = new Timeline(S);
    t.appendLive([ev(1, 'message.created', message('m', 'user', '<script>alert(1)</script>', null))]);
    expect((t.rows[0] as any).message.text).toBe('<script>alert(1)</script>');
  });

  it('events of other sessions and types it does not show leave no row', () => {
    const t = new Timeline(S);
    t.appendLive([ev(1, 'session.thread', { provider: 'codex', thread_id: 'th' }), ev(2, 'run.process', { pid: 1, resumed_thread: null }, R), { ...ev(3, 'message.created', message('x', 'user', 'elsewhere')), session_id: 'ses_2' }]);
    expect(t.rows).toEqual([]);
    expect(t.lastSeq).toBe(2);
  });
});
