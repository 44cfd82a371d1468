import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CLAUDE_BIN, claudeEnv, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';
import { liveGroupMembers } from '../support/process-groups.js';
import { startAgentd, type AgentdProcess } from '../support/processes.js';
import { openWs } from '../support/stream-clients.js';

/** The first event of the session that matches, awaited on its stream (which replays from the start). */
async function eventOf(url: string, sessionId: string, match: (event: any) => boolean): Promise<any> {
  const stream = await openWs(`${url}/sessions/${sessionId}/stream`);
  try {
    return await stream.waitFor((f) => typeof f.seq === 'number' && match(f));
  } finally {
    stream.close();
  }
}
const approvalCreated = (e: any) => e.type === 'request.created' && e.data.request.kind === 'approval';

/**
 * Approvals end to end: the real claude CLI run by agentd against the scripted model server, its
 * permission prompts recorded as requests and answered over the API.
 */
describe('claude approvals through agentd', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let d: TestDaemon;
  let work: string;
  beforeAll(async () => {
    server = await startModelServer();
    cli = await claudeEnv(server);
    d = await startTestDaemon({ agentEnv: cli.env, claude: { bin: CLAUDE_BIN, extraArgs: [] }, cancelGraceMs: 2000 });
    work = mkdtempSync(join(tmpdir(), 'agentd-claude-work-'));
  });
  afterAll(async () => {
    await d?.close();
    await server?.close();
    await cli?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  /** A fresh directory and an `ask` session of claude in it. */
  const askSession = async (daemon: TestDaemon = d) => {
    const cwd = mkdtempSync(join(work, 'cwd-'));
    const session = (await daemon.api('POST', '/sessions', { body: { provider: 'claude', cwd, approval_policy: 'ask' } })).body.session;
    return { cwd, sessionId: session.id as string };
  };
  const send = async (daemon: TestDaemon, sessionId: string, text: string) =>
    (await daemon.api('POST', `/sessions/${sessionId}/messages`, { body: { text } })).body.run;
  const waitRun = async (daemon: TestDaemon, runId: string) => (await daemon.api('GET', `/runs/${runId}/wait?timeout_s=60`)).body.run;

  it('under ask a Bash call creates an approval with the command; approving runs it and the turn completes', async () => {
    const { cwd, sessionId } = await askSession();
    const run = await send(d, sessionId, 'Run: echo approved > effect.txt');
    const created = (await eventOf(d.url, sessionId, approvalCreated)).data.request;
    expect(created).toMatchObject({
      state: 'open',
      run_id: run.id,
      session_id: sessionId,
      action: 'command',
      tool: 'Bash',
      command: 'echo approved > effect.txt',
      cwd,
      decisions: ['approve', 'approve_for_session', 'deny'],
    });
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
    const diagnostics = (await d.api('GET', `/runs/${run.id}/diagnose`)).body.diagnostics;
    expect(diagnostics.waiting_for_approval).toMatchObject({ request_id: created.id });

    const answered = await d.api('POST', `/requests/${created.id}/approve`, { body: {} });
    expect(answered.body.request).toMatchObject({ state: 'answered', decision: 'approve', answered_by: { kind: 'person' } });
    const done = await waitRun(d, run.id);
    expect(done).toMatchObject({ state: 'completed', final_text: 'done: (Bash completed with no output)' });
    expect(readFileSync(join(cwd, 'effect.txt'), 'utf8')).toBe('approved\n');
  });

  it('denying leaves no effect; the turn completes and the agent is told why', async () => {
    const { cwd, sessionId } = await askSession();
    const run = await send(d, sessionId, 'Run: echo denied > effect.txt');
    const created = (await eventOf(d.url, sessionId, approvalCreated)).data.request;
    await d.api('POST', `/requests/${created.id}/deny`, { body: { message: 'not on a Friday' } });
    const done = await waitRun(d, run.id);
    expect(done).toMatchObject({ state: 'completed', final_text: 'done: not on a Friday' });
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
    expect(server.requests.some((r) => r.toolOutput === 'not on a Friday')).toBe(true);
  });

  it('approve for the session: the same command in a later turn (a new claude process) runs without asking', async () => {
    const { cwd, sessionId } = await askSession();
    const first = await send(d, sessionId, 'Run: touch granted.txt');
    const created = (await eventOf(d.url, sessionId, approvalCreated)).data.request;
    await d.api('POST', `/requests/${created.id}/approve`, { body: { for_session: true } });
    expect(await waitRun(d, first.id)).toMatchObject({ state: 'completed' });

    const second = await send(d, sessionId, 'Run: touch granted.txt second.txt');
    expect(await waitRun(d, second.id)).toMatchObject({ state: 'completed' });
    expect(existsSync(join(cwd, 'second.txt'))).toBe(true);
    const events = (await d.api('GET', `/sessions/${sessionId}/events?limit=1000`)).body.events.filter((e: any) => e.run_id === second.id);
    expect(events.filter((e: any) => e.type === 'request.created')).toEqual([]);
    expect(events.find((e: any) => e.type === 'request.answered').data.request).toMatchObject({
      command: 'touch granted.txt second.txt',
      state: 'answered',
      decision: 'approve',
      answered_by: { kind: 'session_grant' },
    });
  });

  it('under auto and deny claude still asks and agentd answers by policy, recording each', async () => {
    const outcomes: Record<string, { run: any; request: any; effect: boolean }> = {};
    for (const policy of ['auto', 'deny']) {
      const cwd = mkdtempSync(join(work, 'cwd-'));
      const sessionId = (await d.api('POST', '/sessions', { body: { provider: 'claude', cwd, approval_policy: policy } })).body.session.id;
      const run = await waitRun(d, (await send(d, sessionId, `Run: echo ${policy} > effect.txt`)).id);
      const request = (await eventOf(d.url, sessionId, (e) => e.type === 'request.answered')).data.request;
      outcomes[policy] = { run, request, effect: existsSync(join(cwd, 'effect.txt')) };
    }
    expect(outcomes.auto).toMatchObject({ run: { state: 'completed' }, request: { command: 'echo auto > effect.txt', decision: 'approve', answered_by: { kind: 'policy', rule: 'auto' } }, effect: true });
    expect(outcomes.deny).toMatchObject({ run: { state: 'completed' }, request: { decision: 'deny', answered_by: { kind: 'policy', rule: 'deny' } }, effect: false });
    expect(outcomes.deny!.run.final_text).toBe(`done: ${outcomes.deny!.request.message}`);
  });

  it('an approval nobody answers expires after the approval timeout and is denied', async () => {
    const short = await startTestDaemon({
      agentEnv: cli.env,
      claude: { bin: CLAUDE_BIN, extraArgs: [] },
      approvals: { policy: 'default', allow: [], timeoutS: 1 },
    });
    try {
      const { cwd, sessionId } = await askSession(short);
      const run = await send(short, sessionId, 'Run: echo late > effect.txt');
      const created = (await eventOf(short.url, sessionId, approvalCreated)).data.request;
      const done = await waitRun(short, run.id);
      const request = (await short.api('GET', `/requests/${created.id}`)).body.request;
      expect(request).toMatchObject({ state: 'expired', decision: 'deny', answered_by: { kind: 'timeout' } });
      expect(request.message).toMatch(/nobody answered/);
      // The agent was told the recorded reason, and the turn went on without the command.
      expect(done).toMatchObject({ state: 'completed', final_text: `done: ${request.message}` });
      expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
    } finally {
      await short.close();
    }
  });

  it('cancelling while an approval waits ends claude’s process tree and resolves the request as cancelled', async () => {
    const { cwd, sessionId } = await askSession();
    const run = await send(d, sessionId, 'Run: echo cancelled > effect.txt');
    const created = (await eventOf(d.url, sessionId, approvalCreated)).data.request;
    const pid = (await d.api('GET', `/runs/${run.id}`)).body.run.pid;
    expect(isProcessAlive(pid)).toBe(true);

    const cancelled = await d.api('POST', `/runs/${run.id}/cancel`);
    expect(cancelled.body.run.state).toBe('cancelled');
    expect(isProcessAlive(pid)).toBe(false);
    expect(liveGroupMembers(pid)).toEqual([]);
    expect((await d.api('GET', `/requests/${created.id}`)).body.request).toMatchObject({ state: 'cancelled', answered_by: { kind: 'run_ended' } });
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);
    expect((await d.api('POST', `/requests/${created.id}/approve`, { body: {} })).status).toBe(409);
  });
});

describe('claude approvals across a crash of agentd', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let dir: string;
  const procs: AgentdProcess[] = [];
  beforeAll(async () => {
    server = await startModelServer();
    cli = await claudeEnv(server);
    dir = mkdtempSync(join(tmpdir(), 'agentd-claude-crash-'));
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
  });
  afterAll(async () => {
    await server?.close();
    await cli?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const p = await startAgentd(['--db', join(dir, 'db.sqlite'), '--claude-bin', CLAUDE_BIN, '--default-provider', 'claude', '--approval-policy', 'ask'], cli.env);
    procs.push(p);
    return p;
  };
  const api = async (p: AgentdProcess, method: string, path: string, body?: unknown) => {
    const res = await fetch(p.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return (await res.json()) as any;
  };

  it('kill -9 of agentd while an approval waits: the request is expired, nothing ran, and the restarted daemon works on', async () => {
    const first = await start();
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const sessionId = (await api(first, 'POST', '/sessions', { cwd })).session.id;
    const run = (await api(first, 'POST', `/sessions/${sessionId}/messages`, { text: 'Run: echo crashed > effect.txt' })).run;
    const created = (await eventOf(first.url, sessionId, approvalCreated)).data.request;
    const pid = (await api(first, 'GET', `/runs/${run.id}`)).run.pid;
    await first.kill9();

    const second = await start();
    expect((await api(second, 'GET', `/requests/${created.id}`)).request).toMatchObject({ state: 'expired', decision: 'deny' });
    expect((await api(second, 'GET', `/runs/${run.id}`)).run.state).toBe('failed');
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(join(cwd, 'effect.txt'))).toBe(false);

    const next = (await api(second, 'POST', `/sessions/${sessionId}/messages`, { text: 'Respond with exactly: still here' })).run;
    expect((await api(second, 'GET', `/runs/${next.id}/wait?timeout_s=60`)).run).toMatchObject({ state: 'completed', final_text: 'still here' });
  });
});
