import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../src/domain/approval-policy.js';
import { ClaudeProvider } from '../../src/providers/claude/claude-provider.js';
import type { TurnContext } from '../../src/providers/provider.js';
import { startDriverTurn, stopAllDriverTurns } from '../support/driver-turn.js';
import { CLAUDE_BIN, claudeEnv, defaultResponder, startModelServer, type CliEnv, type ModelServer, type ScriptedReply } from '../support/model-server.js';

/**
 * The claude TurnDriver with the real claude CLI and a hand-driven TurnIO, no daemon: the prompt on
 * stdin as stream-json, permission prompts answered over stdio, interrupt while a prompt waits.
 */
describe('claude turn driver with the real CLI', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let cwd: string;
  const provider = new ClaudeProvider({ bin: CLAUDE_BIN, extraArgs: [] });

  beforeAll(async () => {
    server = await startModelServer();
    cli = await claudeEnv(server);
  });
  afterAll(async () => {
    await server?.close();
    await cli?.cleanup();
  });
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'agentd-claude-driver-'));
  });
  afterEach(async () => {
    await stopAllDriverTurns();
    server.setResponder(defaultResponder);
    await rm(cwd, { recursive: true, force: true });
  });

  const startTurn = (prompt: string, opts: { threadId?: string | null; policy?: ApprovalPolicy } = {}) => {
    const approvals = { policy: opts.policy ?? 'ask', allow: [] };
    const ctx = { run: { prompt }, session: { cwd }, threadId: opts.threadId ?? null, env: cli.env, approvals } as unknown as TurnContext;
    const driver = provider.createDriver(ctx);
    return { driver, turn: startDriverTurn(provider.buildTurn(ctx), driver) };
  };
  const items = (events: { type: string; data?: any }[]) => events.filter((e) => e.type === 'run.item').map((e) => e.data.item);

  it('a turn: the prompt goes in as a stream-json user message, items and the final text come out, claude exits once its result is in; the next turn resumes it', async () => {
    const first = startTurn('Respond with exactly: hi');
    const { exit, outcome } = await first.turn.done;
    expect(JSON.parse(first.turn.sent[0]!)).toMatchObject({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'Respond with exactly: hi' }] } });
    expect(first.turn.inputEnded).toBe(true);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(outcome).toMatchObject({ status: 'completed', finalText: 'hi', error: null });
    expect(outcome.usage).toHaveProperty('input_tokens');
    expect(typeof outcome.costUsd).toBe('number');
    expect(first.turn.threadIds).toHaveLength(1);
    expect(items(first.turn.events)).toEqual([expect.objectContaining({ type: 'agent_message', text: 'hi' })]);
    expect(first.turn.asks).toEqual([]);

    const before = server.requests.length;
    const second = startTurn('Respond with exactly: again', { threadId: first.turn.threadIds[0]! });
    expect(second.turn.sent).toHaveLength(1);
    expect((await second.turn.done).outcome).toMatchObject({ status: 'completed', finalText: 'again' });
    const request = server.requests.slice(before).find((r) => r.userText.includes('again'))!;
    expect(JSON.stringify(request.body.messages)).toContain('Respond with exactly: hi');
  });

  it('a Bash command asks with the command and cwd; approved, it runs and the turn completes', async () => {
    const { turn } = startTurn('Run: echo approved > effect.txt');
    const pending = await turn.nextAsk();
    expect(pending.ask).toMatchObject({
      action: 'command',
      tool: 'Bash',
      command: 'echo approved > effect.txt',
      cwd,
      input: { command: 'echo approved > effect.txt' },
      decisions: ['approve', 'approve_for_session', 'deny'],
    });
    expect(pending.ask.key).toMatch(/\S/);
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
    pending.answer({ decision: 'approve', message: null });
    const { outcome } = await turn.done;
    expect(readFileSync(join(cwd, 'effect.txt'), 'utf8')).toBe('approved\n');
    expect(outcome.status).toBe('completed');
    expect(items(turn.events).find((i) => i.type === 'tool_result')).toMatchObject({ is_error: false });
  });

  it('a denied command does not run; the turn completes and the model is told the message', async () => {
    const { turn } = startTurn('Run: echo denied > effect.txt');
    (await turn.nextAsk()).answer({ decision: 'deny', message: 'not now: the tests are running' });
    const { outcome } = await turn.done;
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
    expect(outcome).toMatchObject({ status: 'completed', finalText: 'done: not now: the tests are running' });
    expect(server.requests.at(-1)!.toolOutput).toBe('not now: the tests are running');
    expect(items(turn.events).find((i) => i.type === 'tool_result')).toMatchObject({ is_error: true, text: 'not now: the tests are running' });
  });

  it('policy default keeps claude’s own mode (read-only commands run unasked, writes ask); ask asks for every command', async () => {
    const readOnly = startTurn('Run: echo read-only-ran', { policy: 'default' });
    expect((await readOnly.turn.done).outcome).toMatchObject({ status: 'completed', finalText: 'done: read-only-ran' });
    expect(readOnly.turn.asks).toEqual([]);

    const writing = startTurn('Run: echo wrote > default.txt', { policy: 'default' });
    (await writing.turn.nextAsk()).answer({ decision: 'approve', message: null });
    await writing.turn.done;
    expect(writing.turn.asks.map((a) => a.command)).toEqual(['echo wrote > default.txt']);

    const asked = startTurn('Run: echo read-only-ran', { policy: 'ask' });
    (await asked.turn.nextAsk()).answer({ decision: 'approve', message: null });
    expect((await asked.turn.done).outcome).toMatchObject({ status: 'completed', finalText: 'done: read-only-ran' });
    expect(asked.turn.asks.map((a) => a.command)).toEqual(['echo read-only-ran']);
  });

  it('file changes ask with a diff computed from the tool input: a new file, and an edit of an existing one', async () => {
    await writeFile(join(cwd, 'a.txt'), 'one\ntwo\nthree\n');
    const steps: ScriptedReply[] = [
      { kind: 'tool_use', name: 'Write', input: { file_path: join(cwd, 'new.txt'), content: 'hello\nworld\n' } },
      // claude edits only files it has read in this conversation.
      { kind: 'tool_use', name: 'Read', input: { file_path: join(cwd, 'a.txt') } },
      { kind: 'tool_use', name: 'Edit', input: { file_path: join(cwd, 'a.txt'), old_string: 'two', new_string: 'TWO' } },
    ];
    server.setResponder((req) => {
      const step = steps[JSON.stringify(req.body.messages).split('"tool_result"').length - 1];
      return step ?? { kind: 'text', text: `done: ${req.toolOutput}` };
    });
    const { turn } = startTurn('edit the files', { policy: 'default' });

    const write = await turn.nextAsk();
    expect(write.ask).toMatchObject({
      action: 'file_change',
      tool: 'Write',
      changes: [{ path: join(cwd, 'new.txt'), kind: 'add', diff: '--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n' }],
    });
    write.answer({ decision: 'approve', message: null });

    const edit = await turn.nextAsk();
    expect(edit.ask).toMatchObject({
      action: 'file_change',
      tool: 'Edit',
      changes: [{ path: join(cwd, 'a.txt'), kind: 'update', diff: '--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n' }],
    });
    edit.answer({ decision: 'deny', message: 'leave a.txt alone' });

    const { outcome } = await turn.done;
    expect(outcome).toMatchObject({ status: 'completed', finalText: 'done: leave a.txt alone' });
    expect(readFileSync(join(cwd, 'new.txt'), 'utf8')).toBe('hello\nworld\n');
    expect(readFileSync(join(cwd, 'a.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
  });

  it('interrupt while a prompt waits: claude withdraws it and ends its turn by itself; a late answer is not written', async () => {
    const { driver, turn } = startTurn('Run: echo late > effect.txt');
    const pending = await turn.nextAsk();
    expect(driver.interrupt()).toBe(true);
    const { exit, outcome } = await turn.done;
    // Not killed: it exited by itself once told to stop.
    expect(exit.signal).toBeNull();
    expect(outcome).toMatchObject({ status: 'failed', error: 'claude ended its turn when asked to stop' });
    const sent = turn.sent.length;
    pending.answer({ decision: 'approve', message: null });
    expect(turn.sent).toHaveLength(sent);
    expect(driver.interrupt()).toBe(false);
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
  });

  it('a cancel decision denies the tool and ends the turn', async () => {
    const { turn } = startTurn('Run: echo cancelled > effect.txt');
    (await turn.nextAsk()).answer({ decision: 'cancel', message: null });
    const { exit, outcome } = await turn.done;
    expect(exit.signal).toBeNull();
    expect(outcome.status).toBe('failed');
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
    // The model was not asked again after the cancel.
    expect(server.requests.at(-1)!.toolOutput).toBeUndefined();
  });
});
