/**
 * The codex TurnDriver against the REAL `codex app-server` and the scripted model server, without a
 * daemon: a test TurnIO answers the approvals. What the driver yields here is what the runtime
 * stores as run events.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../src/domain/approval-policy.js';
import { appServerArgv, threadSettings } from '../../src/providers/codex/app-server-args.js';
import { CodexAppServerDriver } from '../../src/providers/codex/app-server-driver.js';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { CODEX_BIN, codexEnv, defaultResponder, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';
import { startTurn, type TurnRun } from '../support/turn-harness.js';

const execFileAsync = promisify(execFile);

let server: ModelServer;
let cli: CliEnv;
let cwd: string;
const live = new Set<TurnRun>();

beforeAll(async () => {
  server = await startModelServer();
  cli = await codexEnv(server);
});
afterAll(async () => {
  await server?.close();
  await cli?.cleanup();
});
afterEach(async () => {
  for (const run of live) run.kill();
  live.clear();
  server.setResponder(defaultResponder);
  await rm(cwd, { recursive: true, force: true });
});

/** Each test gets its own working directory, so one test's files never satisfy another's check. */
async function freshCwd(): Promise<string> {
  cwd = await mkdtemp(join(tmpdir(), 'agentd-codex-turn-'));
  return cwd;
}

function turn(prompt: string, opts: { threadId?: string | null; policy?: ApprovalPolicy; extraArgs?: string[]; dir?: string } = {}): TurnRun {
  const extraArgs = opts.extraArgs ?? [];
  const driver = new CodexAppServerDriver({
    prompt,
    cwd: opts.dir ?? cwd,
    threadId: opts.threadId ?? null,
    settings: threadSettings(opts.policy ?? 'ask', extraArgs),
    clientVersion: 'test',
  });
  const run = startTurn({ argv: appServerArgv({ bin: CODEX_BIN, profile: null, extraArgs }), env: cli.env, cwd: opts.dir ?? cwd }, driver);
  live.add(run);
  return run;
}

const items = (run: TurnRun, phase: string, type: string) =>
  run.events.filter((e) => e.type === 'run.item' && (e.data as any).phase === phase && (e.data as any).item.type === type).map((e) => (e.data as any).item);

describe('codex app-server turns', () => {
  it('a turn streams the answer, ends with the final text, usage and the thread id', async () => {
    await freshCwd();
    const run = turn('Respond with exactly: hello there');
    const { outcome } = await run.done;
    expect(outcome).toMatchObject({ status: 'completed', finalText: 'hello there', error: null });
    expect(outcome.usage).toMatchObject({ input_tokens: 10, output_tokens: 5, cached_input_tokens: 0 });
    expect(run.threadIds).toHaveLength(1);
    expect(run.threadIds[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(items(run, 'delta', 'agent_message').map((i) => i.delta).join('')).toBe('hello there');
    expect(items(run, 'completed', 'agent_message')).toEqual([{ id: expect.any(String), type: 'agent_message', text: 'hello there' }]);
    // The local model's missing metadata is a warning, shown as exec showed it, and the turn goes on.
    expect(items(run, 'completed', 'error')[0]?.message).toContain('Model metadata');
    expect(run.asks).toEqual([]);
  });

  it('a later turn resumes the thread with its history', async () => {
    await freshCwd();
    const first = turn('Respond with exactly: one');
    await first.done;
    const threadId = first.threadIds[0]!;
    const before = server.requests.length;
    const second = turn('Respond with exactly: two', { threadId });
    const { outcome } = await second.done;
    expect(outcome).toMatchObject({ status: 'completed', finalText: 'two' });
    expect(second.threadIds).toEqual([threadId]);
    const request = server.requests.slice(before).find((r) => r.userText.includes('two'))!;
    expect(JSON.stringify(request.body.input)).toContain('Respond with exactly: one');
  });

  it('a thread started by `codex exec` resumes under app-server, so existing sessions keep working', async () => {
    await freshCwd();
    const running = execFileAsync(CODEX_BIN, ['exec', '--json', '--skip-git-repo-check', 'Respond with exactly: from exec'], { cwd, env: cli.env });
    running.child.stdin?.end(); // codex exec reads more prompt from an open stdin
    const exec = await running;
    const started = exec.stdout.split('\n').map((l) => (l.startsWith('{') ? JSON.parse(l) : {})).find((e) => e.type === 'thread.started');
    expect(started?.thread_id, exec.stderr).toBeTruthy();
    const before = server.requests.length;
    const run = turn('Respond with exactly: from app-server', { threadId: started.thread_id });
    const { outcome } = await run.done;
    expect(outcome).toMatchObject({ status: 'completed', finalText: 'from app-server' });
    expect(run.threadIds).toEqual([started.thread_id]);
    const request = server.requests.slice(before).find((r) => r.userText.includes('from app-server'))!;
    expect(JSON.stringify(request.body.input)).toContain('Respond with exactly: from exec');
  });

  it('an unknown thread id fails the turn with codex’s reason', async () => {
    await freshCwd();
    const run = turn('Respond with exactly: never', { threadId: '01a00000-0000-7000-8000-000000000000' });
    const { outcome } = await run.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain('thread/resume');
    expect(run.events.some((e) => e.type === 'run.provider_error')).toBe(true);
  });

  it('a model error fails the turn with its message', async () => {
    await freshCwd();
    const run = turn('Fail with: the model is on fire');
    const { outcome } = await run.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain('the model is on fire');
  });
});

describe('codex app-server approvals', () => {
  it('approved: the command is asked with its cwd, then runs, and the turn completes', async () => {
    const dir = await freshCwd();
    const run = turn('Run: echo approved > approved.txt');
    const { ask, answer } = await run.nextAsk(0);
    expect(ask).toMatchObject({ action: 'command', command: 'echo approved > approved.txt', cwd: dir, key: expect.any(String) });
    expect(ask.decisions).toEqual(['approve', 'approve_for_session', 'deny']);
    expect(existsSync(join(dir, 'approved.txt'))).toBe(false);
    answer({ decision: 'approve', message: null });
    const { outcome } = await run.done;
    expect(outcome.status).toBe('completed');
    expect(await readFile(join(dir, 'approved.txt'), 'utf8')).toBe('approved\n');
    expect(items(run, 'completed', 'command_execution')).toEqual([
      expect.objectContaining({ status: 'completed', exit_code: 0, command: expect.stringContaining('echo approved > approved.txt') }),
    ]);
    // A non-login shell (`-c`, not `-lc`): a login shell would reset PATH and lose agentctl.
    expect((ask.input as { command: string }).command).toBe("/bin/bash -c 'echo approved > approved.txt'");
  });

  it('denied: nothing runs, the turn completes, and the model hears the refusal and the reason', async () => {
    const dir = await freshCwd();
    const before = server.requests.length;
    const run = turn('Run: echo denied > denied.txt');
    const { answer } = await run.nextAsk(0);
    answer({ decision: 'deny', message: 'not on a Friday' });
    const { outcome } = await run.done;
    expect(outcome.status).toBe('completed');
    expect(existsSync(join(dir, 'denied.txt'))).toBe(false);
    expect(items(run, 'completed', 'command_execution')).toEqual([expect.objectContaining({ status: 'declined', exit_code: null })]);
    const followUp = JSON.stringify(server.requests.slice(before).at(-1)!.body.input);
    expect(followUp).toContain('rejected by user');
    expect(followUp).toContain('not on a Friday');
  });

  it('approved for the session: codex runs the same command again without asking', async () => {
    const dir = await freshCwd();
    const command = 'echo again >> again.txt';
    let calls = 0;
    server.setResponder((req) => {
      if (!req.userText.includes('twice')) return { kind: 'text', text: 'ok' };
      return calls++ < 2 ? { kind: 'tool', command } : { kind: 'text', text: 'ran twice' };
    });
    const run = turn('Run it twice');
    const { answer } = await run.nextAsk(0);
    answer({ decision: 'approve_for_session', message: null });
    const { outcome } = await run.done;
    expect(outcome).toMatchObject({ status: 'completed', finalText: 'ran twice' });
    expect(run.asks).toHaveLength(1);
    expect(await readFile(join(dir, 'again.txt'), 'utf8')).toBe('again\nagain\n');
  });

  it('a file change is asked with its diff, and applied once approved', async () => {
    const dir = await freshCwd();
    const run = turn('Write: notes.txt');
    const { ask, answer } = await run.nextAsk(0);
    expect(ask.action).toBe('file_change');
    expect(ask.changes).toEqual([
      { path: join(dir, 'notes.txt'), kind: 'add', diff: '--- /dev/null\n+++ b/notes.txt\n@@ -0,0 +1,1 @@\n+written by the model\n' },
    ]);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(false);
    answer({ decision: 'approve', message: null });
    const { outcome } = await run.done;
    expect(outcome.status).toBe('completed');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('written by the model\n');
    expect(items(run, 'completed', 'file_change')).toEqual([
      expect.objectContaining({ status: 'completed', changes: [{ path: join(dir, 'notes.txt'), kind: 'add' }] }),
    ]);
  });

  it('interrupted while waiting: the turn ends, nothing runs, the process exits, and a late answer writes nothing', async () => {
    const dir = await freshCwd();
    const run = turn('Run: echo late > late.txt');
    const { answer } = await run.nextAsk(0);
    expect(run.interrupt()).toBe(true);
    const { outcome, exit } = await run.done;
    expect(outcome).toMatchObject({ status: 'failed', error: 'codex turn was interrupted' });
    expect(exit.code).toBe(0);
    expect(isProcessAlive(run.pid)).toBe(false);
    answer({ decision: 'approve', message: null });
    expect(existsSync(join(dir, 'late.txt'))).toBe(false);
  });

  it('under the default policy codex runs what its sandbox allows without asking', async () => {
    const dir = await freshCwd();
    const run = turn('Run: echo inside > inside.txt', { policy: 'default' });
    const { outcome } = await run.done;
    expect(outcome.status).toBe('completed');
    expect(run.asks).toEqual([]);
    expect(await readFile(join(dir, 'inside.txt'), 'utf8')).toBe('inside\n');
  });
});
