import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClaudeProvider } from '../../../src/providers/claude/claude-provider.js';
import { approvalAskFor } from '../../../src/providers/claude/permission-ask.js';
import { permissionResponse } from '../../../src/providers/claude/stream-json.js';
import { ClaudeTurnDriver } from '../../../src/providers/claude/turn-driver.js';
import type { ApprovalAsk, ApprovalDecision, TurnIO } from '../../../src/providers/conversation.js';

/** A TurnIO that records what the driver writes and lets the test answer each ask. */
function recordingIO() {
  const sent: unknown[] = [];
  const answers = new Map<string, (d: ApprovalDecision) => void>();
  const asks: ApprovalAsk[] = [];
  let ended = false;
  const io: TurnIO = {
    send: (line) => sent.push(JSON.parse(line)),
    write: (text) => sent.push(text),
    endInput: () => (ended = true),
    askApproval: (ask) => {
      asks.push(ask);
      return new Promise((resolve) => answers.set(ask.key, resolve));
    },
  };
  /** Answers and lets the driver's continuation run. */
  const answer = async (key: string, decision: ApprovalDecision) => {
    answers.get(key)!(decision);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { io, sent, asks, answer, ended: () => ended };
}

const canUseTool = (id: string, toolName: string, input: unknown) =>
  JSON.stringify({ type: 'control_request', request_id: id, request: { subtype: 'can_use_tool', tool_name: toolName, input } });
const exitOk = { code: 0, signal: null, stderrTail: '' };

describe('claude turn driver', () => {
  it('answers an approved prompt with the tool input, a denied one with the message', async () => {
    const { io, sent, asks, answer } = recordingIO();
    const driver = new ClaudeTurnDriver({ prompt: 'go', cwd: '/work' });
    driver.start(io);
    driver.onLine(canUseTool('r1', 'Bash', { command: 'ls' }));
    driver.onLine(canUseTool('r2', 'Bash', { command: 'rm -rf x' }));
    expect(asks.map((a) => a.key)).toEqual(['r1', 'r2']);
    await answer('r2', { decision: 'deny', message: 'no deleting' });
    await answer('r1', { decision: 'approve_for_session', message: null });
    expect(sent.slice(1)).toEqual([
      { type: 'control_response', response: { subtype: 'success', request_id: 'r2', response: { behavior: 'deny', message: 'no deleting' } } },
      { type: 'control_response', response: { subtype: 'success', request_id: 'r1', response: { behavior: 'allow', updatedInput: { command: 'ls' } } } },
    ]);
  });

  it('asks once for a prompt repeated with the same request id', () => {
    const { io, asks } = recordingIO();
    const driver = new ClaudeTurnDriver({ prompt: 'go', cwd: '/work' });
    driver.start(io);
    driver.onLine(canUseTool('r1', 'Bash', { command: 'ls' }));
    driver.onLine(canUseTool('r1', 'Bash', { command: 'ls' }));
    expect(asks).toHaveLength(1);
  });

  it('writes no answer to a prompt claude withdrew, nor after the result, nor after the process ended', async () => {
    const { io, sent, answer, ended } = recordingIO();
    const driver = new ClaudeTurnDriver({ prompt: 'go', cwd: '/work' });
    driver.start(io);
    driver.onLine(canUseTool('withdrawn', 'Bash', { command: 'a' }));
    driver.onLine(canUseTool('late', 'Bash', { command: 'b' }));
    driver.onLine(JSON.stringify({ type: 'control_cancel_request', request_id: 'withdrawn' }));
    await answer('withdrawn', { decision: 'approve', message: null });
    expect(sent).toHaveLength(1);
    driver.onLine(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'done' }));
    expect(ended()).toBe(true);
    await answer('late', { decision: 'approve', message: null });
    expect(driver.interrupt()).toBe(false);
    expect(driver.finish(exitOk)).toMatchObject({ status: 'completed', finalText: 'done' });
    expect(sent).toHaveLength(1);
  });

  it('refuses control requests it does not serve, so claude does not wait on them', () => {
    const { io, sent, asks } = recordingIO();
    const driver = new ClaudeTurnDriver({ prompt: 'go', cwd: '/work' });
    driver.start(io);
    driver.onLine(JSON.stringify({ type: 'control_request', request_id: 'h1', request: { subtype: 'hook_callback' } }));
    expect(asks).toEqual([]);
    expect(sent[1]).toEqual({ type: 'control_response', response: { subtype: 'error', request_id: 'h1', error: 'agentd does not serve control requests of subtype "hook_callback"' } });
  });

  it('interrupt sends claude’s interrupt request while the turn runs', () => {
    const { io, sent } = recordingIO();
    const driver = new ClaudeTurnDriver({ prompt: 'go', cwd: '/work' });
    expect(driver.interrupt()).toBe(false);
    driver.start(io);
    expect(driver.interrupt()).toBe(true);
    expect(sent[1]).toEqual({ type: 'control_request', request_id: 'agentd_interrupt', request: { subtype: 'interrupt' } });
  });

  it('keeps the one-way parser’s items, thread id and failure', () => {
    const { io } = recordingIO();
    const driver = new ClaudeTurnDriver({ prompt: 'go', cwd: '/work' });
    driver.start(io);
    expect(driver.onLine(JSON.stringify({ type: 'system', subtype: 'init', session_id: 'sess-1' }))).toEqual({ threadId: 'sess-1' });
    expect(driver.onLine(JSON.stringify({ type: 'assistant', message: { id: 'm1', content: [{ type: 'text', text: 'hi' }] } })).events).toEqual([
      { type: 'run.item', data: { phase: 'completed', item: { id: 'm1:0', type: 'agent_message', text: 'hi' } } },
    ]);
    driver.onLine(JSON.stringify({ type: 'result', subtype: 'error_during_execution', is_error: true }));
    expect(driver.finish({ ...exitOk, code: 1 })).toMatchObject({ status: 'failed', error: 'claude result: error_during_execution' });
  });
});

describe('claude permission prompt → approval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentd-claude-ask-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.txt'), 'one\ntwo\nthree\ntwo\n');

  it('Bash: the command, the session cwd, and the model’s description as the reason', () => {
    expect(approvalAskFor('k', { tool_name: 'Bash', input: { command: 'npm test', description: 'Run the tests' } }, dir)).toEqual({
      key: 'k',
      action: 'command',
      tool: 'Bash',
      command: 'npm test',
      cwd: dir,
      input: { command: 'npm test', description: 'Run the tests' },
      reason: 'Run the tests',
      decisions: ['approve', 'approve_for_session', 'deny'],
    });
  });

  it('Write: a new file is an add; an existing one an update with its diff; a relative path is read from the cwd', () => {
    expect(approvalAskFor('k', { tool_name: 'Write', input: { file_path: join(dir, 'b.txt'), content: 'x\n' } }, dir).changes).toEqual([
      { path: join(dir, 'b.txt'), kind: 'add', diff: '--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1 @@\n+x\n' },
    ]);
    expect(approvalAskFor('k', { tool_name: 'Write', input: { file_path: 'a.txt', content: 'one\n' } }, dir).changes).toEqual([
      { path: 'a.txt', kind: 'update', diff: '--- a/a.txt\n+++ b/a.txt\n@@ -1,4 +1 @@\n one\n-two\n-three\n-two\n' },
    ]);
  });

  it('Edit and MultiEdit: the replacement applied to the file as claude would (first match, or all)', () => {
    const edit = (input: Record<string, unknown>) => approvalAskFor('k', { tool_name: 'Edit', input: { file_path: join(dir, 'a.txt'), ...input } }, dir);
    expect(edit({ old_string: 'two', new_string: '2' }).changes![0]!.diff).toBe('--- a/a.txt\n+++ b/a.txt\n@@ -1,4 +1,4 @@\n one\n-two\n+2\n three\n two\n');
    expect(edit({ old_string: 'two', new_string: '2', replace_all: true }).changes![0]!.diff).toContain('-two\n+2\n three\n-two\n+2\n');
    // A replacement that cannot apply changes nothing (claude refuses it): no diff, the input says the rest.
    expect(edit({ old_string: 'absent', new_string: 'x' })).toMatchObject({ action: 'file_change', changes: [{ kind: 'update', diff: null }] });
    const multi = approvalAskFor('k', { tool_name: 'MultiEdit', input: { file_path: join(dir, 'a.txt'), edits: [{ old_string: 'one', new_string: '1' }, { old_string: 'three', new_string: '3' }] } }, dir);
    expect(multi.changes![0]!.diff).toBe('--- a/a.txt\n+++ b/a.txt\n@@ -1,4 +1,4 @@\n-one\n+1\n two\n-three\n+3\n two\n');
  });

  it('any other tool is asked about by name with its input', () => {
    expect(approvalAskFor('k', { tool_name: 'WebFetch', input: { url: 'https://example.com' }, description: 'fetch it' }, dir)).toMatchObject({
      action: 'tool',
      tool: 'WebFetch',
      input: { url: 'https://example.com' },
      reason: 'fetch it',
    });
  });
});

describe('claude control responses', () => {
  const parse = (line: string) => JSON.parse(line).response.response;
  it('deny without a message still tells claude something; cancel denies and interrupts', () => {
    expect(parse(permissionResponse('r', { decision: 'deny', message: null }, {}))).toEqual({ behavior: 'deny', message: 'The user denied this action.' });
    expect(parse(permissionResponse('r', { decision: 'cancel', message: null }, {}))).toEqual({ behavior: 'deny', message: 'The run was cancelled.', interrupt: true });
  });
});

describe('claude conversation argv', () => {
  const provider = new ClaudeProvider({ bin: 'claude', extraArgs: ['--model', 'x'] });
  const base = ['claude', '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio', '--permission-mode', 'default'];

  it('default, auto and deny run claude’s default permission mode; ask adds an ask rule for every command and edit', () => {
    for (const policy of ['default', 'auto', 'deny'] as const) expect(provider.argv(null, policy)).toEqual([...base, '--model', 'x']);
    const ask = provider.argv(null, 'ask');
    expect(ask.slice(0, base.length)).toEqual(base);
    expect(JSON.parse(ask[ask.indexOf('--settings') + 1]!)).toEqual({ permissions: { ask: ['Bash', 'Edit', 'MultiEdit', 'Write', 'NotebookEdit'] } });
  });

  it('a later turn resumes the session; extra args come last', () => {
    expect(provider.argv('sess-1', 'default')).toEqual([...base, '--resume', 'sess-1', '--model', 'x']);
  });
});
