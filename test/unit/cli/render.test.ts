import { describe, expect, it } from 'vitest';
import { RunRenderer, itemSummary } from '../../../src/cli/live/render.js';
import { paint } from '../../../src/cli/terminal.js';
import type { AgentEvent } from '../../../src/protocol/schemas.js';

let seq = 0;
const event = (type: string, data: unknown): AgentEvent => ({
  id: `evt_${String(++seq).padStart(16, '0')}`,
  session_id: 'ses_1',
  seq,
  type,
  run_id: 'run_1',
  ts: '2026-11-25T00:00:00.000Z',
  data,
});
const item = (phase: string, value: Record<string, unknown>) => event('run.item', { phase, item: value });
const transcript = (r: RunRenderer, events: AgentEvent[]) => events.map((e) => r.render(e)).join('') + r.finish();

describe('RunRenderer (what message send --follow prints)', () => {
  it('says when the run took its session to its budget, in figures', () => {
    const r = new RunRenderer(paint(false));
    expect(r.render(event('session.budget_exceeded', { limit: 'max_tokens', max: 100, spent: 130, run_id: 'run_1', run_session_id: 'ses_1' })))
      .toBe('budget reached: 130 of 100 tokens (session ses_1); it takes no new run\n');
    expect(r.render(event('session.budget_exceeded', { limit: 'max_cost_usd', max: 5, spent: 5.2, run_id: 'run_1', run_session_id: 'ses_1' })))
      .toBe('budget reached: $5.2 of $5 (session ses_1); it takes no new run\n');
  });

  it('prints command-provider lines as they are, one per item', () => {
    const r = new RunRenderer(paint(false));
    expect(transcript(r, [item('completed', { id: 'item_0', type: 'text', text: 'one' }), item('completed', { id: 'item_1', type: 'text', text: 'two' })])).toBe('one\ntwo\n');
  });

  it('streams assistant text: each update prints only what is new, and the message ends its line', () => {
    const r = new RunRenderer(paint(false));
    const parts = [
      r.render(item('started', { id: 'm1', type: 'agent_message', text: '' })),
      r.render(item('updated', { id: 'm1', type: 'agent_message', text: 'Hel' })),
      r.render(item('updated', { id: 'm1', type: 'agent_message', text: 'Hello, wor' })),
      r.render(item('completed', { id: 'm1', type: 'agent_message', text: 'Hello, world' })),
    ];
    expect(parts).toEqual(['', 'Hel', 'lo, wor', 'ld\n']);
  });

  it('starts anything else on a new line when streamed text left the cursor mid-line', () => {
    const r = new RunRenderer(paint(false));
    const out = transcript(r, [
      item('updated', { id: 'm1', type: 'agent_message', text: 'Let me look' }),
      item('started', { id: 'c1', type: 'command_execution', command: 'ls', status: 'in_progress' }),
    ]);
    expect(out).toBe('Let me look\n$ ls\n');
  });

  it('shows each codex command when it starts and its exit code when it ends', () => {
    const r = new RunRenderer(paint(false));
    const out = transcript(r, [
      item('started', { id: 'c1', type: 'command_execution', command: 'bash -lc "npm test"', status: 'in_progress' }),
      item('completed', { id: 'c1', type: 'command_execution', command: 'bash -lc "npm test"', exit_code: 1, status: 'failed', aggregated_output: 'x' }),
      item('completed', { id: 'c2', type: 'command_execution', command: 'true', exit_code: 0, status: 'completed' }),
      item('completed', { id: 'm1', type: 'agent_message', text: 'The tests fail.' }),
    ]);
    expect(out).toBe('$ bash -lc "npm test"\n  exit 1\n$ true\n  exit 0\nThe tests fail.\n');
  });

  it('colours only when asked: exit codes green or red, commands bold', () => {
    const coloured = new RunRenderer(paint(true)).render(item('completed', { id: 'c1', type: 'command_execution', command: 'false', exit_code: 1 }));
    expect(coloured).toContain('\u001b[31mexit 1\u001b[39m');
    expect(coloured).toContain('\u001b[1mfalse\u001b[22m');
    const plain = new RunRenderer(paint(false)).render(item('completed', { id: 'c1', type: 'command_execution', command: 'false', exit_code: 1 }));
    expect(plain).not.toContain('\u001b');
  });

  it('shows claude tool calls and their results', () => {
    const r = new RunRenderer(paint(false));
    const out = transcript(r, [
      item('completed', { id: 'msg:0', type: 'agent_message', text: 'Checking.' }),
      item('completed', { id: 'tu_1', type: 'tool_use', name: 'Bash', input: { command: 'git status' } }),
      item('completed', { id: 'tu_1:result', type: 'tool_result', tool_use_id: 'tu_1', text: 'clean', is_error: false }),
      item('completed', { id: 'tu_2', type: 'tool_use', name: 'Read', input: { file_path: 'README.md' } }),
      item('completed', { id: 'tu_2:result', type: 'tool_result', tool_use_id: 'tu_2', text: 'no such file', is_error: true }),
    ]);
    expect(out).toBe('Checking.\n$ git status\n  done\n→ Read {"file_path":"README.md"}\n  error: no such file\n');
  });

  it('asks an open request with the command that answers it; an answered one is one line', () => {
    const r = new RunRenderer(paint(false));
    const request = { id: 'req_7', kind: 'approval_request', child_session_id: 'ses_child', text: 'Need approval to run: rm -rf ./tmp', state: 'open' };
    expect(r.render(event('child.request', { request }))).toBe(
      '? approval_request req_7 from ses_child: Need approval to run: rm -rf ./tmp\n' +
        '  answer: agentctl requests respond --request-id req_7 --text "…"\n',
    );
    expect(r.render(event('request.answered', { request: { ...request, state: 'answered', answer_text: 'Approved.' } }))).toBe('req_7 answered: Approved.\n');
    // A kind this agentctl does not know how to answer still shows, pointing at the help.
    expect(r.render(event('child.request', { request: { id: 'req_8', kind: 'something_new', text: 'Allow?', state: 'open' } }))).toBe(
      '? something_new req_8: Allow?\n  answer: see agentctl requests --help\n',
    );
  });

  it("shows an agent's approval prompt with the commands that answer it, and how it ended", () => {
    const r = new RunRenderer(paint(false));
    const request = { id: 'req_9', kind: 'approval', session_id: 'ses_1', parent_session_id: null, text: 'run `npm test` in /repo', state: 'open' };
    expect(r.render(event('request.created', { request }))).toBe(
      '? approval req_9: run `npm test` in /repo\n  answer: agentctl requests approve req_9  (or: requests deny req_9 --message "…")\n',
    );
    const denied = { ...request, state: 'answered', decision: 'deny', message: 'not now', answered_by: { kind: 'person' } };
    expect(r.render(event('request.answered', { request: denied }))).toBe('req_9 deny by person: run `npm test` in /repo (not now)\n');
    const expired = { ...request, state: 'expired', decision: 'deny', answered_by: { kind: 'timeout' } };
    expect(r.render(event('request.answered', { request: expired }))).toBe('req_9 expired by timeout: run `npm test` in /repo\n');
    const fromChild = { ...request, session_id: 'ses_child', parent_session_id: 'ses_1' };
    expect(r.render(event('child.request', { request: fromChild }))).toContain('? approval req_9 from ses_child: run `npm test` in /repo\n');
  });

  it('never hides an event it does not know: a one-line summary', () => {
    const r = new RunRenderer(paint(false));
    expect(r.render(event('run.something_new', { a: 1 }))).toBe('run.something_new: {"a":1}\n');
    expect(r.render(item('completed', { id: 'x', type: 'web_search', query: 'q' }))).toBe('web_search\n');
    // State changes are the caller's business (they end the follow), prompts were typed by the caller.
    expect(r.render(event('run.running', { run: { state: 'running' } }))).toBe('');
    expect(r.render(event('message.created', { message: { role: 'user', text: 'hi' } }))).toBe('');
  });

  it('summarises the last item for the status line', () => {
    expect(itemSummary({ type: 'command_execution', command: 'npm   test' })).toBe('$ npm test');
    expect(itemSummary({ type: 'text', text: 'line\nwith breaks' })).toBe('line with breaks');
    expect(itemSummary({ type: 'tool_use', name: 'Edit', input: { file_path: 'a' } })).toBe('Edit');
  });
});
