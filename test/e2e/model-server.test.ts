/**
 * Proves the scripted model server drives the real codex and claude CLIs offline: a first turn, a
 * resumed turn that carries the history, and a shell tool call round trip, plus error and hang replies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  CLAUDE_BIN,
  claudeEnv,
  CODEX_BIN,
  codexEnv,
  startModelServer,
  type CliEnv,
  type ModelServer,
} from '../support/model-server.js';

const TEST_TIMEOUT = 60_000;
/** Kill a CLI that has not exited by then, so a hang fails the test with its output instead of a timeout. */
const RUN_DEADLINE = 45_000;

type Event = Record<string, any>;
interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: Event[];
  ms: number;
}

/** Every CLI started by this file, so afterEach can kill leftovers (whole process groups). */
const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Starts a CLI in its own process group (so its children can be killed with it). */
function startCli(bin: string, args: string[], opts: { cwd: string; env: Record<string, string> }) {
  const started = Date.now();
  const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = setTimeout(() => killGroup(child), RUN_DEADLINE);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      live.delete(child);
      // Reap anything the CLI left running (e.g. a backgrounded tool command).
      killGroup(child);
      const events = stdout.split('\n').flatMap((line): Event[] => {
        try {
          return line.trim().startsWith('{') ? [JSON.parse(line) as Event] : [];
        } catch {
          return []; // Not JSONL; the assertions will show the raw stdout.
        }
      });
      resolve({ code, signal, stdout, stderr, events, ms: Date.now() - started });
    });
  });
  return { child, done };
}

function runCli(bin: string, args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<CliRun> {
  return startCli(bin, args, opts).done;
}

/** A readable failure message for an unexpected run. */
function describeRun(run: CliRun): string {
  return `exit ${run.code} (${run.signal}) after ${run.ms}ms\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

afterEach(() => {
  for (const child of live) killGroup(child);
  live.clear();
});

let server: ModelServer;
let cwd: string;
beforeAll(async () => {
  server = await startModelServer();
  cwd = await mkdtemp(join(tmpdir(), 'agentd-model-server-cwd-'));
});
afterAll(async () => {
  await server?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe('codex against the model server', () => {
  let cx: CliEnv;
  let threadId = '';
  beforeAll(async () => {
    cx = await codexEnv(server);
  });
  afterAll(async () => {
    await cx?.cleanup();
  });
  const codex = (args: string[]) => runCli(CODEX_BIN, args, { cwd, env: cx.env });
  const agentMessages = (run: CliRun) =>
    run.events.filter((e) => e.type === 'item.completed' && e.item?.type === 'agent_message').map((e) => e.item.text);

  test('first turn', { timeout: TEST_TIMEOUT }, async () => {
    const before = server.requests.length;
    const run = await codex(['exec', '--json', '--skip-git-repo-check', 'Respond with exactly: hi']);
    expect(run.code, describeRun(run)).toBe(0);
    const started = run.events.find((e) => e.type === 'thread.started');
    expect(started?.thread_id).toMatch(/^[0-9a-f-]{36}$/);
    threadId = started!.thread_id;
    expect(agentMessages(run)).toEqual(['hi']);
    expect(run.events.some((e) => e.type === 'turn.completed')).toBe(true);
    const reqs = server.requests.slice(before);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({ api: 'openai', path: '/v1/responses', stream: true, userText: 'Respond with exactly: hi' });
  });

  test('resume carries the history', { timeout: TEST_TIMEOUT }, async () => {
    expect(threadId).not.toBe('');
    const before = server.requests.length;
    const run = await codex(['exec', 'resume', threadId, '--json', '--skip-git-repo-check', 'Respond with exactly: again']);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.events.find((e) => e.type === 'thread.started')?.thread_id).toBe(threadId);
    expect(agentMessages(run)).toEqual(['again']);
    const [req] = server.requests.slice(before);
    expect(req?.userText).toBe('Respond with exactly: again');
    const input: any[] = req?.body.input ?? [];
    const texts = (role: string) =>
      input.filter((i) => i.type === 'message' && i.role === role).flatMap((i) => i.content.map((c: any) => c.text));
    expect(texts('user')).toContain('Respond with exactly: hi');
    expect(texts('assistant')).toContain('hi');
  });

  test('tool call round trip', { timeout: TEST_TIMEOUT }, async () => {
    const before = server.requests.length;
    const run = await codex([
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      'Run: echo tool-ran-42',
    ]);
    expect(run.code, describeRun(run)).toBe(0);
    const command = run.events.find((e) => e.type === 'item.completed' && e.item?.type === 'command_execution')?.item;
    expect(command, describeRun(run)).toBeDefined();
    expect(command.command).toContain('echo tool-ran-42');
    expect(command.aggregated_output).toContain('tool-ran-42');
    expect(command.exit_code).toBe(0);
    const reqs = server.requests.slice(before);
    expect(reqs).toHaveLength(2);
    expect(reqs[1]!.body.input.at(-1).type).toBe('function_call_output');
    expect(reqs[1]!.toolOutput).toContain('tool-ran-42');
    expect(agentMessages(run)).toHaveLength(1);
    expect(agentMessages(run)[0]).toMatch(/^done: [\s\S]*tool-ran-42/);
  });

  test('an error reply fails the turn', { timeout: TEST_TIMEOUT }, async () => {
    const run = await codex(['exec', '--json', '--skip-git-repo-check', 'Fail with: scripted failure']);
    expect(run.code, describeRun(run)).not.toBe(0);
    const failed = run.events.find((e) => e.type === 'turn.failed');
    expect(failed?.error?.message, describeRun(run)).toContain('scripted failure');
  });

  test('a hung reply can be cancelled', { timeout: TEST_TIMEOUT }, async () => {
    const before = server.requests.length;
    const { child, done } = startCli(CODEX_BIN, ['exec', '--json', '--skip-git-repo-check', 'Hang'], { cwd, env: cx.env });
    await server.waitForRequests(before + 1);
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code === 0, describeRun(run)).toBe(false);
  });
});

describe('claude against the model server', () => {
  let cl: CliEnv;
  let sessionId = '';
  beforeAll(async () => {
    cl = await claudeEnv(server);
  });
  afterAll(async () => {
    await cl?.cleanup();
  });
  const claude = (args: string[]) => runCli(CLAUDE_BIN, args, { cwd, env: cl.env });
  const streamJson = ['--output-format', 'stream-json', '--verbose'];
  const result = (run: CliRun) => run.events.find((e) => e.type === 'result');
  const assistantTexts = (run: CliRun) =>
    run.events
      .filter((e) => e.type === 'assistant')
      .flatMap((e) => e.message.content.filter((b: any) => b.type === 'text').map((b: any) => b.text));
  /** Streamed (turn) requests only: claude may also send auxiliary non-streaming ones. */
  const turnRequests = (before: number) => server.requests.slice(before).filter((r) => r.api === 'anthropic' && r.stream);

  test('first turn', { timeout: TEST_TIMEOUT }, async () => {
    const before = server.requests.length;
    const run = await claude(['-p', 'Respond with exactly: hi', ...streamJson]);
    expect(run.code, describeRun(run)).toBe(0);
    const init = run.events.find((e) => e.type === 'system' && e.subtype === 'init');
    expect(init?.session_id).toMatch(/^[0-9a-f-]{36}$/);
    sessionId = init!.session_id;
    expect(assistantTexts(run)).toEqual(['hi']);
    expect(result(run)).toMatchObject({ is_error: false, result: 'hi', session_id: sessionId });
    const reqs = turnRequests(before);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({ path: '/v1/messages?beta=true', userText: 'Respond with exactly: hi' });
  });

  test('resume carries the history', { timeout: TEST_TIMEOUT }, async () => {
    expect(sessionId).not.toBe('');
    const before = server.requests.length;
    const run = await claude(['-p', 'Respond with exactly: again', '--resume', sessionId, ...streamJson]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(assistantTexts(run)).toEqual(['again']);
    // --resume continues the same session (no new id unless --fork-session).
    expect(result(run)).toMatchObject({ is_error: false, result: 'again', session_id: sessionId });
    const [req] = turnRequests(before);
    expect(req?.userText).toBe('Respond with exactly: again');
    const messages: any[] = req?.body.messages ?? [];
    const texts = (role: string) =>
      messages
        .filter((m) => m.role === role)
        .flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.map((b: any) => b.text)));
    expect(texts('user').some((t) => t?.includes('Respond with exactly: hi'))).toBe(true);
    expect(texts('assistant')).toContain('hi');
  });

  test('tool call round trip', { timeout: TEST_TIMEOUT }, async () => {
    const before = server.requests.length;
    const run = await claude(['-p', 'Run: echo tool-ran-42', '--allowedTools', 'Bash', ...streamJson]);
    expect(run.code, describeRun(run)).toBe(0);
    const toolUse = run.events
      .filter((e) => e.type === 'assistant')
      .flatMap((e) => e.message.content)
      .find((b: any) => b.type === 'tool_use');
    expect(toolUse, describeRun(run)).toMatchObject({ name: 'Bash', input: { command: 'echo tool-ran-42' } });
    const toolResult = run.events
      .filter((e) => e.type === 'user')
      .flatMap((e) => e.message.content)
      .find((b: any) => b.type === 'tool_result');
    expect(JSON.stringify(toolResult?.content), describeRun(run)).toContain('tool-ran-42');
    expect(toolResult.is_error ?? false).toBe(false);
    const reqs = turnRequests(before);
    expect(reqs).toHaveLength(2);
    expect(reqs[1]!.toolOutput).toContain('tool-ran-42');
    expect(result(run)).toMatchObject({ is_error: false, result: 'done: tool-ran-42' });
  });

  test('an error reply fails the turn', { timeout: TEST_TIMEOUT }, async () => {
    const run = await claude(['-p', 'Fail with: scripted failure', ...streamJson]);
    expect(result(run), describeRun(run)).toMatchObject({ is_error: true });
    expect(JSON.stringify(result(run))).toContain('scripted failure');
  });

  test('a hung reply can be cancelled', { timeout: TEST_TIMEOUT }, async () => {
    const before = server.requests.length;
    const { child, done } = startCli(CLAUDE_BIN, ['-p', 'Hang', ...streamJson], { cwd, env: cl.env });
    await server.waitForRequests(before + 1);
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code === 0, describeRun(run)).toBe(false);
  });
});
