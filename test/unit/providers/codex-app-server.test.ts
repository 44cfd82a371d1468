import { describe, expect, it } from 'vitest';
import { commandLine, denialNote, shellWords, unifiedDiff } from '../../../src/providers/codex/app-server-approvals.js';
import { appServerArgv, threadSettings, translateExtraArgs } from '../../../src/providers/codex/app-server-args.js';
import { CodexAppServerDriver } from '../../../src/providers/codex/app-server-driver.js';
import { toRunItem } from '../../../src/providers/codex/app-server-items.js';
import { JsonRpcPeer } from '../../../src/providers/codex/json-rpc.js';
import type { ApprovalAsk, ApprovalDecision, TurnIO } from '../../../src/providers/conversation.js';

describe('JSON-RPC peer', () => {
  it('numbers requests, and pairs each response with the method it answers', () => {
    const sent: string[] = [];
    const peer = new JsonRpcPeer((line) => sent.push(line));
    const a = peer.request('initialize', { x: 1 });
    const b = peer.request('thread/start', {});
    expect(sent.map((l) => JSON.parse(l))).toEqual([
      { jsonrpc: '2.0', id: a, method: 'initialize', params: { x: 1 } },
      { jsonrpc: '2.0', id: b, method: 'thread/start', params: {} },
    ]);
    expect(peer.read(JSON.stringify({ id: b, error: { code: -32600, message: 'no' } }))).toEqual({
      kind: 'error', id: b, method: 'thread/start', error: { code: -32600, message: 'no', data: undefined },
    });
    expect(peer.read(JSON.stringify({ id: a, result: { ok: true } }))).toEqual({ kind: 'response', id: a, method: 'initialize', result: { ok: true } });
    // Answered once: a repeat, or an id never sent, is not a response.
    expect(peer.read(JSON.stringify({ id: a, result: {} }))).toBeUndefined();
  });

  it('tells server requests (with an id, even 0) from notifications, and skips what is not JSON-RPC', () => {
    const peer = new JsonRpcPeer(() => {});
    expect(peer.read('{"id":0,"method":"item/commandExecution/requestApproval","params":{"a":1}}')).toEqual({
      kind: 'request', id: 0, method: 'item/commandExecution/requestApproval', params: { a: 1 },
    });
    expect(peer.read('{"method":"turn/started","params":{}}')).toEqual({ kind: 'notification', method: 'turn/started', params: {} });
    expect(peer.read('2026-01-01 WARN something')).toBeUndefined();
    expect(peer.read('[1,2]')).toBeUndefined();
  });

  it('answers server requests with a result or an error', () => {
    const sent: string[] = [];
    const peer = new JsonRpcPeer((line) => sent.push(line));
    peer.respond(0, { decision: 'accept' });
    peer.respondError('x', { code: -32601, message: 'nope' });
    peer.notify('initialized');
    expect(sent.map((l) => JSON.parse(l))).toEqual([
      { jsonrpc: '2.0', id: 0, result: { decision: 'accept' } },
      { jsonrpc: '2.0', id: 'x', error: { code: -32601, message: 'nope' } },
      { jsonrpc: '2.0', method: 'initialized' },
    ]);
  });
});

describe('codex commands and diffs as a person reads them', () => {
  it('unwraps the shell codex runs every command through', () => {
    expect(commandLine(`/bin/bash -lc 'echo hello > made.txt'`)).toBe('echo hello > made.txt');
    expect(commandLine(`/bin/bash -c 'git status'`)).toBe('git status');
    expect(commandLine(`bash -lc 'echo '"'"'quoted'"'"''`)).toBe(`echo 'quoted'`);
    expect(commandLine(`/usr/bin/zsh -lc "say \\"hi\\""`)).toBe('say "hi"');
    expect(commandLine('git status')).toBe('git status');
    expect(commandLine(`/bin/bash -lc 'unbalanced`)).toBe(`/bin/bash -lc 'unbalanced`);
    expect(shellWords(`a 'b c' "d\\"e" f\\ g`)).toEqual(['a', 'b c', 'd"e', 'f g']);
  });

  it('turns added, deleted and updated files into unified diffs', () => {
    const cwd = '/work/p';
    expect(unifiedDiff({ path: '/work/p/new.txt', kind: { type: 'add' }, diff: 'a\nb\n' }, cwd)).toBe('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff({ path: '/work/p/old.txt', kind: { type: 'delete' }, diff: 'gone\n' }, cwd)).toBe('--- a/old.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-gone\n');
    expect(unifiedDiff({ path: '/work/p/u.txt', kind: { type: 'update', move_path: null }, diff: '@@ -1 +1 @@\n-x\n+y\n' }, cwd)).toBe(
      '--- a/u.txt\n+++ b/u.txt\n@@ -1 +1 @@\n-x\n+y\n',
    );
    expect(unifiedDiff({ path: '/elsewhere/u.txt', kind: { type: 'update', move_path: '/work/p/v.txt' }, diff: '@@\n' }, cwd)).toBe(
      '--- a/elsewhere/u.txt\n+++ b/v.txt\n@@\n',
    );
  });

  it('tells the model why it was denied', () => {
    const ask: ApprovalAsk = { key: '0', action: 'command', command: 'rm -rf build', decisions: ['approve', 'deny'] };
    expect(denialNote(ask, 'not now')).toBe('Your request to run `rm -rf build` was denied: not now');
  });
});

describe('codex app-server items in exec shapes', () => {
  it('maps command executions, file changes and messages the way `codex exec --json` printed them', () => {
    expect(
      toRunItem({
        type: 'commandExecution', id: 'c1', command: "/bin/bash -lc 'ls'", cwd: '/w', processId: null, source: 'agent', status: 'inProgress',
        commandActions: [], aggregatedOutput: null, exitCode: null, durationMs: null, pluginId: null, scriptPath: null,
      } as any),
    ).toEqual({ id: 'c1', type: 'command_execution', command: "/bin/bash -lc 'ls'", aggregated_output: '', exit_code: null, status: 'in_progress' });
    expect(toRunItem({ type: 'fileChange', id: 'f1', changes: [{ path: '/w/a', kind: { type: 'add' }, diff: 'x' }], status: 'declined' } as any)).toEqual({
      id: 'f1', type: 'file_change', changes: [{ path: '/w/a', kind: 'add' }], status: 'declined',
    });
    expect(toRunItem({ type: 'agentMessage', id: 'm', text: 'hi' } as any)).toEqual({ id: 'm', type: 'agent_message', text: 'hi' });
    expect(toRunItem({ type: 'userMessage', id: 'u', content: [] } as any)).toBeNull();
    expect(toRunItem({ type: 'contextCompaction', id: 'k', startedAtMs: 1 } as any)).toEqual({ id: 'k', type: 'context_compaction' });
  });
});

describe('codex app-server command line and policies', () => {
  it('translates exec-era extra args into app-server config overrides', () => {
    expect(appServerArgv({ bin: 'codex', profile: 'work', extraArgs: ['-c', 'a=1', '--config=b=2', '--enable', 'x', '-m', 'o3', '--json', '--color', 'never', '--skip-git-repo-check', '-s', 'read-only'] })).toEqual([
      'codex', 'app-server', '-c', 'allow_login_shell=false', '-c', 'profile="work"',
      '-c', 'a=1', '-c', 'b=2', '--enable', 'x', '-c', 'model="o3"',
    ]);
    expect(translateExtraArgs(['--sandbox=danger-full-access', '--strange'])).toEqual({ args: ['--strange'], sandbox: 'danger-full-access', bypass: false });
  });

  it('maps each policy to what codex is told', () => {
    expect(threadSettings('default', [])).toEqual({ approvalPolicy: 'on-request', sandbox: 'workspace-write' });
    expect(threadSettings('ask', [])).toEqual({ approvalPolicy: 'untrusted', sandbox: 'workspace-write' });
    expect(threadSettings('auto', [])).toEqual({ approvalPolicy: 'untrusted', sandbox: 'danger-full-access' });
    expect(threadSettings('deny', [])).toEqual({ approvalPolicy: 'untrusted', sandbox: 'read-only' });
    // Extra args reshape only codex's own default; an explicit gateway policy says itself what codex may do.
    expect(threadSettings('default', ['-s', 'read-only'])).toEqual({ approvalPolicy: 'on-request', sandbox: 'read-only' });
    expect(threadSettings('default', ['--dangerously-bypass-approvals-and-sandbox'])).toEqual({ approvalPolicy: 'never', sandbox: 'danger-full-access' });
    expect(threadSettings('ask', ['--dangerously-bypass-approvals-and-sandbox'])).toEqual({ approvalPolicy: 'untrusted', sandbox: 'workspace-write' });
  });
});

describe('codex app-server driver, fed lines', () => {
  const settings = { approvalPolicy: 'untrusted' as const, sandbox: 'workspace-write' as const };
  function harness(threadId: string | null = null) {
    const sent: any[] = [];
    const asks: { ask: ApprovalAsk; resolve: (d: ApprovalDecision) => void }[] = [];
    let ended = false;
    const io: TurnIO = {
      send: (line) => sent.push(JSON.parse(line)),
      write: () => {
        throw new Error('the codex driver writes whole lines');
      },
      endInput: () => (ended = true),
      askApproval: (ask) => new Promise((resolve) => asks.push({ ask, resolve })),
    };
    const driver = new CodexAppServerDriver({ prompt: 'go', cwd: '/w', threadId, settings, clientVersion: 't' });
    driver.start(io);
    const line = (msg: unknown) => driver.onLine(JSON.stringify(msg));
    return { driver, sent, asks, line, ended: () => ended };
  }

  it('interrupting during the handshake closes stdin, and nothing is written after', () => {
    const h = harness();
    expect(h.sent.map((m) => m.method)).toEqual(['initialize']);
    expect(h.driver.interrupt()).toBe(true);
    expect(h.ended()).toBe(true);
    h.line({ id: 1, result: {} });
    expect(h.sent.map((m) => m.method)).toEqual(['initialize']);
    expect(h.driver.finish({ code: 0, signal: null, stderrTail: '' })).toMatchObject({ status: 'failed', error: 'codex app-server exited before the turn completed' });
  });

  it('an interrupt while turn/start is in flight goes out once the turn id is known', () => {
    const h = harness('thr');
    h.line({ id: 1, result: {} });
    expect(h.sent.at(-1)).toMatchObject({ method: 'thread/resume', params: { threadId: 'thr', approvalPolicy: 'untrusted', sandbox: 'workspace-write', excludeTurns: true } });
    h.line({ id: 2, result: { thread: { id: 'thr' } } });
    expect(h.sent.at(-1)).toMatchObject({ method: 'turn/start', params: { threadId: 'thr', input: [{ type: 'text', text: 'go', text_elements: [] }] } });
    expect(h.driver.interrupt()).toBe(true);
    expect(h.sent.at(-1).method).toBe('turn/start');
    h.line({ id: 3, result: { turn: { id: 'turn1' } } });
    expect(h.sent.at(-1)).toMatchObject({ method: 'turn/interrupt', params: { threadId: 'thr', turnId: 'turn1' } });
  });

  it('a deny with a message steers the reason in before declining; an answer codex already dropped is not sent', async () => {
    const h = harness();
    h.line({ id: 1, result: {} });
    h.line({ id: 2, result: { thread: { id: 'thr' } } });
    h.line({ id: 3, result: { turn: { id: 't1' } } });
    h.line({ id: 0, method: 'item/commandExecution/requestApproval', params: { threadId: 'thr', turnId: 't1', itemId: 'i', command: "/bin/bash -lc 'rm x'", cwd: '/w' } });
    h.line({ id: 1, method: 'item/commandExecution/requestApproval', params: { threadId: 'thr', turnId: 't1', itemId: 'j', command: 'ls', cwd: '/w' } });
    expect(h.asks.map((a) => [a.ask.key, a.ask.command])).toEqual([['0', 'rm x'], ['1', 'ls']]);
    h.asks[0]!.resolve({ decision: 'deny', message: 'no' });
    await Promise.resolve();
    await Promise.resolve();
    expect(h.sent.slice(-2)).toEqual([
      expect.objectContaining({ method: 'turn/steer', params: expect.objectContaining({ expectedTurnId: 't1', input: [expect.objectContaining({ text: 'Your request to run `rm x` was denied: no' })] }) }),
      { jsonrpc: '2.0', id: 0, result: { decision: 'decline' } },
    ]);
    h.line({ method: 'serverRequest/resolved', params: { threadId: 'thr', requestId: 1 } });
    const count = h.sent.length;
    h.asks[1]!.resolve({ decision: 'approve', message: null });
    await Promise.resolve();
    await Promise.resolve();
    expect(h.sent.length).toBe(count);
  });

  it('refuses server requests it cannot answer, so the turn is never stuck on them', () => {
    const h = harness();
    h.line({ id: 7, method: 'item/tool/requestUserInput', params: {} });
    expect(h.sent.at(-1)).toMatchObject({ id: 7, error: { code: -32601 } });
    expect(h.asks).toEqual([]);
  });
});

describe('codex provider', () => {
  const ctx = (policy: 'default' | 'ask', threadId: string | null) => ({
    run: { prompt: 'do it' } as any,
    session: { cwd: '/w' } as any,
    threadId,
    env: { A: '1' },
    approvals: { policy, allow: [] },
  });

  it('runs codex app-server in the session cwd, and the driver starts the thread as the policy says', async () => {
    const { CodexProvider } = await import('../../../src/providers/codex/codex-provider.js');
    const provider = new CodexProvider({ bin: '/opt/codex', profile: null, extraArgs: ['-s', 'read-only'] });
    expect(provider.buildTurn(ctx('ask', null))).toEqual({ argv: ['/opt/codex', 'app-server', '-c', 'allow_login_shell=false'], env: { A: '1' }, cwd: '/w' });
    for (const [policy, threadId, method, expected] of [
      ['ask', null, 'thread/start', { approvalPolicy: 'untrusted', sandbox: 'workspace-write' }],
      ['default', 'thr_9', 'thread/resume', { threadId: 'thr_9', approvalPolicy: 'on-request', sandbox: 'read-only' }],
    ] as const) {
      const sent: any[] = [];
      const driver = provider.createDriver(ctx(policy, threadId));
      driver.start({ send: (l) => sent.push(JSON.parse(l)), write: () => {}, endInput: () => {}, askApproval: () => new Promise(() => {}) });
      driver.onLine(JSON.stringify({ id: 1, result: {} }));
      expect(sent.at(-1)).toMatchObject({ method, params: { cwd: '/w', ...expected } });
    }
  });
});
