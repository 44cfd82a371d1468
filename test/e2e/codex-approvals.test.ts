/**
 * codex approvals end to end: the REAL codex (app-server) run by agentd against the scripted model
 * server asks before it acts, and the answer — a person's over the API, the session's grant, the
 * timeout, a cancel, a crash of agentd, or its parent agent's agentctl — decides what happens.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { groupAndDescendants, isProcessAlive } from '../../src/runtime/process-tree.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CODEX_BIN, codexEnv, defaultResponder, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';
import { startAgentd, type AgentdProcess } from '../support/processes.js';
import { openWs, type Recorded } from '../support/stream-clients.js';
import { waitUntil } from '../support/wait.js';

const OP = 'operator-token';
let server: ModelServer;
let cli: CliEnv;
const streams: Recorded[] = [];

/** A prompt starting with "Run: " is always a tool call (the default script answers some phrases directly). */
const runPrefix = (req: Parameters<typeof defaultResponder>[0]) =>
  !req.toolOutput && req.userText.startsWith('Run: ') ? { kind: 'tool' as const, command: req.userText.slice(5) } : defaultResponder(req);

beforeAll(async () => {
  server = await startModelServer({ responder: runPrefix });
  cli = await codexEnv(server);
});
afterAll(async () => {
  await server?.close();
  await cli?.cleanup();
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
  server.setResponder(runPrefix);
});

const codexOptions = { bin: CODEX_BIN, profile: null, extraArgs: [] as string[] };
const approvals = (timeoutS = 1800) => ({ policy: 'default' as const, allow: [] as string[], timeoutS });

/** Neither the leader nor anything else of its process group is left. */
const groupGone = (pgid: number) => !isProcessAlive(pgid) && groupAndDescendants(pgid, pgid).length === 0;

interface Api {
  api: TestDaemon['api'];
  url: string;
  /** Where new working directories go. */
  dir: string;
}

/** A session of its own in a fresh directory, its stream watched from the start, and one message. */
async function askingTurn(d: Api, text: string, opts: { policy?: string; sessionId?: string; cwd?: string } = {}) {
  const cwd = opts.cwd ?? (await mkdtemp(join(d.dir, 'turn-')));
  const session = opts.sessionId
    ? { id: opts.sessionId }
    : (await d.api('POST', '/sessions', { token: OP, body: { provider: 'codex', cwd, approval_policy: opts.policy ?? 'ask' } })).body.session;
  const stream = await openWs(`${d.url}/sessions/${session.id}/stream`, { token: OP });
  streams.push(stream);
  const run = (await d.api('POST', `/sessions/${session.id}/messages`, { token: OP, body: { text } })).body.run;
  const request = async (type = 'request.created') =>
    (await stream.waitFor((f) => f.type === type && f.data?.request?.kind === 'approval' && f.data.request.run_id === run.id)).data.request;
  const processStarted = async () => (await stream.waitFor((f) => f.type === 'run.process' && f.run_id === run.id)).data.pid as number;
  const finished = async () => (await d.api('GET', `/runs/${run.id}/wait?timeout_s=90`, { token: OP })).body.run;
  return { cwd, session, run, stream, request, processStarted, finished };
}

describe('codex approvals through agentd', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP], agentEnv: cli.env, codex: codexOptions, approvals: approvals() });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
  });

  it('under ask a tool call becomes an approval with the command; approving runs it and the turn completes', async () => {
    const t = await askingTurn(d, 'Run: echo approved > approved.txt');
    const request = await t.request();
    expect(request).toMatchObject({
      kind: 'approval', state: 'open', action: 'command', command: 'echo approved > approved.txt', cwd: t.cwd,
      session_id: t.session.id, run_id: t.run.id, decisions: ['approve', 'approve_for_session', 'deny'],
    });
    expect(existsSync(join(t.cwd, 'approved.txt'))).toBe(false);
    const inbox = (await d.api('GET', '/requests?state=open', { token: OP })).body.requests;
    expect(inbox.map((r: any) => r.id)).toContain(request.id);

    expect((await d.api('POST', `/requests/${request.id}/approve`, { token: OP })).status).toBe(200);
    const run = await t.finished();
    expect(run).toMatchObject({ state: 'completed', final_text: expect.stringContaining('done:') });
    expect(await readFile(join(t.cwd, 'approved.txt'), 'utf8')).toBe('approved\n');
    expect((await d.api('GET', `/requests/${request.id}`, { token: OP })).body.request).toMatchObject({ state: 'answered', decision: 'approve' });
  });

  it('denying leaves no effect, the turn completes, and codex is told why', async () => {
    const t = await askingTurn(d, 'Run: echo denied > denied.txt');
    const request = await t.request();
    const before = server.requests.length;
    await d.api('POST', `/requests/${request.id}/deny`, { token: OP, body: { message: 'not on a Friday' } });
    const run = await t.finished();
    expect(run.state).toBe('completed');
    expect(existsSync(join(t.cwd, 'denied.txt'))).toBe(false);
    const told = JSON.stringify(server.requests.slice(before).map((r) => r.body.input));
    expect(told).toContain('rejected by user');
    expect(told).toContain('not on a Friday');
    const events = (await d.api('GET', `/sessions/${t.session.id}/events?limit=1000`, { token: OP })).body.events;
    const exec = events.find((e: any) => e.type === 'run.item' && e.data.phase === 'completed' && e.data.item.type === 'command_execution');
    expect(exec.data.item.status).toBe('declined');
  });

  it('approve for the session: the next turn’s same command is approved by the grant, nobody is asked', async () => {
    const first = await askingTurn(d, 'Run: echo granted >> granted.txt');
    const asked = await first.request();
    await d.api('POST', `/requests/${asked.id}/approve`, { token: OP, body: { for_session: true } });
    expect((await first.finished()).state).toBe('completed');

    // A new process for the next turn: codex's own memory of the grant is gone, agentd's is not.
    const second = await askingTurn(d, 'Run: echo granted >> granted.txt', { sessionId: first.session.id, cwd: first.cwd });
    const granted = await second.request('request.answered');
    expect(granted).toMatchObject({ state: 'answered', decision: 'approve', answered_by: { kind: 'session_grant' } });
    expect((await second.finished()).state).toBe('completed');
    expect(await readFile(join(first.cwd, 'granted.txt'), 'utf8')).toBe('granted\ngranted\n');
  });

  it('cancelling the run while it waits kills the codex process tree and resolves the request as cancelled', async () => {
    const t = await askingTurn(d, 'Run: echo cancelled > cancelled.txt');
    const pid = await t.processStarted();
    const request = await t.request();
    expect((await d.api('POST', `/runs/${t.run.id}/cancel`, { token: OP })).status).toBeLessThan(300);
    const run = await t.finished();
    expect(run.state).toBe('cancelled');
    expect((await d.api('GET', `/requests/${request.id}`, { token: OP })).body.request.state).toBe('cancelled');
    await waitUntil(`codex process group ${pid} is gone`, () => groupGone(pid));
    expect(existsSync(join(t.cwd, 'cancelled.txt'))).toBe(false);
  });
});

describe('an approval nobody answers', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP], agentEnv: cli.env, codex: codexOptions, approvals: approvals(1) });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
  });

  it('is denied when the approval timeout passes: expired, no effect, codex told so, the turn completes', async () => {
    const t = await askingTurn(d, 'Run: echo late > late.txt');
    const before = server.requests.length;
    const expired = await t.request('request.answered');
    expect(expired).toMatchObject({ state: 'expired', answered_by: { kind: 'timeout' } });
    const run = await t.finished();
    expect(run.state).toBe('completed');
    expect(existsSync(join(t.cwd, 'late.txt'))).toBe(false);
    expect(JSON.stringify(server.requests.slice(before).map((r) => r.body.input))).toContain('nobody answered within 1 s');
  });
});

describe('agentd killed while codex waits for an approval', () => {
  let agentd: AgentdProcess | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(cli.home, 'crash-'));
  });
  afterAll(async () => {
    await agentd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = () =>
    startAgentd(['--db', join(dir, 'agentd.db'), '--auth-token', OP, '--codex-bin', CODEX_BIN, '--approval-policy', 'ask'], cli.env);
  const http = (a: AgentdProcess): Api => ({
    url: a.url,
    dir,
    api: async (method, path, opts = {}) => {
      const res = await fetch(a.url + path, {
        method,
        headers: { authorization: `Bearer ${OP}`, ...(opts.body !== undefined && { 'content-type': 'application/json' }) },
        ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
      });
      return { status: res.status, body: await res.json(), headers: res.headers };
    },
  });

  it('leaves an expired request, no effect, no codex process, and a daemon that works on', async () => {
    agentd = await start();
    const t = await askingTurn(http(agentd), 'Run: echo crashed > crashed.txt', { cwd: dir });
    const pid = await t.processStarted();
    const request = await t.request();
    t.stream.close();
    await agentd.kill9();
    // Its stdin closed with agentd: codex app-server ends by itself, and runs nothing more.
    await waitUntil(`codex process group ${pid} is gone`, () => groupGone(pid));

    agentd = await start();
    const api = http(agentd);
    expect((await api.api('GET', `/requests/${request.id}`)).body.request).toMatchObject({ state: 'expired', answered_by: { kind: 'daemon_stopped' } });
    expect((await api.api('GET', `/runs/${t.run.id}`)).body.run.state).toBe('failed');
    expect(existsSync(join(dir, 'crashed.txt'))).toBe(false);

    const next = await askingTurn(api, 'Respond with exactly: still here', { cwd: dir });
    expect(await next.finished()).toMatchObject({ state: 'completed', final_text: 'still here' });
  });
});

describe('a codex parent agent answers its child’s approval', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    // The workspace sandbox lets commands reach agentd (loopback), as an operator whose agents call
    // agentctl configures it; what runs is still up to the approvals.
    const network = ['-c', 'sandbox_workspace_write.network_access=true'];
    d = await startTestDaemon({ authTokens: [OP], agentEnv: cli.env, codex: { ...codexOptions, extraArgs: network }, approvals: approvals() });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
  });

  it('with agentctl requests approve, and the child’s command runs', async () => {
    const cwd = await mkdtemp(join(d.dir, 'family-'));
    const all = await openWs(`${d.url}/stream`, { token: OP });
    streams.push(all);
    const childAsk = all.waitFor((f) => f.type === 'request.created' && f.data.request.kind === 'approval' && f.data.request.command === 'touch child.txt');
    server.setResponder(async (req) => {
      if (!req.userText.includes('family')) return runPrefix(req);
      // The parent's script: spawn the child; then approve the child's ask; then report.
      if (JSON.stringify(req.body.input).includes('agentctl requests approve')) return { kind: 'text', text: 'approved my child' };
      if (!req.toolOutput) return { kind: 'tool', command: 'agentctl tool session-spawn --task "Run: touch child.txt"' };
      return { kind: 'tool', command: `agentctl requests approve ${(await childAsk).data.request.id}` };
    });
    // The parent asks too (the child inherits its policy), but its own agentctl calls are allowed by rule.
    const parent = (await d.api('POST', '/sessions', { token: OP, body: { provider: 'codex', cwd, approval_policy: 'ask', approval_allow: ['agentctl'] } })).body.session;
    const t = await askingTurn(d, 'Look after the family', { sessionId: parent.id, cwd });
    expect(await t.finished()).toMatchObject({ state: 'completed', final_text: 'approved my child' });

    const asked = (await childAsk).data.request;
    expect(asked).toMatchObject({ parent_session_id: parent.id, state: 'open' });
    const settled = (await d.api('GET', `/requests/${asked.id}`, { token: OP })).body.request;
    expect(settled).toMatchObject({ state: 'answered', decision: 'approve', answered_by: { kind: 'agent', run_id: t.run.id } });
    const childRun = (await d.api('GET', `/runs/${asked.run_id}/wait?timeout_s=90`, { token: OP })).body.run;
    expect(childRun.state).toBe('completed');
    expect(existsSync(join(cwd, 'child.txt'))).toBe(true);
  });
});
