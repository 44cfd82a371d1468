import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { waitForFile } from '../support/files.js';
import { openSse, openWs } from '../support/stream-clients.js';
import { parsePrometheus, sampleSum, sampleValue, type Sample } from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';

const OP = 'op-token-0123456789abcdef';
const SCRAPE = 'scrape-token-0123456789abcdef';

describe('GET /metrics after a known sequence of runs', () => {
  let d: TestDaemon;
  let agentToken: string;
  let releaseFile: string;
  const posted = { messages: 0 };
  beforeAll(async () => {
    d = await startTestDaemon(
      (dir) => ({ authTokens: [OP], streamBufferBytes: 64 * 1024, streamHeartbeatMs: 60_000, ops: { log: { format: 'json', file: null, rotateSizeMb: 10, rotateKeep: 5 }, metricsToken: SCRAPE, retainDays: 0 }, agentEnv: { PATH: process.env.PATH, TMPDIR: dir } }),
      scriptedAgentOptions,
    );
  });
  afterAll(async () => {
    if (releaseFile) writeFileSync(`${releaseFile}.release`, 'go');
    await d.close();
  });

  const op = async (method: string, path: string, body?: unknown) => {
    const res = await d.api(method, path, { token: OP, body });
    if (method === 'POST' && path.endsWith('/messages')) posted.messages += 1;
    return res.body;
  };
  const wait = async (runId: string) => (await op('GET', `/runs/${runId}/wait?timeout_s=30`)).run;
  const scrape = async (token = OP): Promise<Sample[]> => {
    const res = await d.api('GET', '/metrics', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(res.body as string);
  };

  it('counts runs by state, their outcomes, durations, queue waits, approvals and requests', async () => {
    const a = (await op('POST', '/sessions', {})).session.id;
    expect((await wait((await op('POST', `/sessions/${a}/messages`, { text: 'echo one' })).run.id)).state).toBe('completed');
    expect((await wait((await op('POST', `/sessions/${a}/messages`, { text: 'fail 3' })).run.id)).state).toBe('failed');

    // One run keeps running (it holds a worker) and one waits behind it, then is cancelled unstarted.
    const b = (await op('POST', '/sessions', {})).session.id;
    releaseFile = join(d.dir, 'running.json');
    await op('POST', `/sessions/${b}/messages`, { text: `env-to-file ${releaseFile}` });
    agentToken = JSON.parse(await waitForFile(releaseFile)).AGENTD_TOKEN;
    const behind = (await op('POST', `/sessions/${b}/messages`, { text: 'echo later' })).run.id;
    expect((await op('POST', `/runs/${behind}/cancel`)).run.state).toBe('cancelled');

    // Escalations of the approval kind: one answered, one left open.
    const c = (await op('POST', '/sessions', {})).session.id;
    const parentRun = (await op('POST', `/sessions/${c}/messages`, { text: 'echo parent' })).run.id;
    await wait(parentRun);
    const child = await op('POST', `/runs/${parentRun}/spawn`, { task: 'echo child' });
    await wait(child.run.id);
    await op('POST', `/runs/${child.run.id}/reply-parent`, { text: 'may I?', request_kind: 'approval_request' });
    const answered = await op('POST', `/sessions/${child.session.id}/send`, { text: 'yes' });
    await wait(answered.run.id);
    await op('POST', `/runs/${child.run.id}/reply-parent`, { text: 'and this?', request_kind: 'approval_request' });
    await d.api('GET', '/no/such/route', { token: OP });

    const m = await scrape();
    const runs = (state: string) => sampleValue(m, 'agentd_runs', { state });
    // completed: echo one, the parent, the child, the answered child's next turn.
    expect([runs('completed'), runs('failed'), runs('cancelled'), runs('running'), runs('queued'), runs('interrupted')]).toEqual([4, 1, 1, 1, 0, 0]);
    expect(sampleValue(m, 'agentd_queue_depth')).toBe(0);
    expect(sampleValue(m, 'agentd_workers', { state: 'busy' })).toBe(1);
    expect(sampleValue(m, 'agentd_workers', { state: 'total' })).toBe(4);
    const ended = (state: string) => sampleValue(m, 'agentd_runs_ended_total', { provider: 'command', state });
    expect([ended('completed'), ended('failed'), ended('cancelled')]).toEqual([4, 1, 1]);
    const durations = (state: string) => sampleValue(m, 'agentd_run_duration_seconds_count', { provider: 'command', state });
    // A run cancelled in the queue never ran: it has no duration.
    expect([durations('completed'), durations('failed'), durations('cancelled')]).toEqual([4, 1, undefined]);
    expect(sampleValue(m, 'agentd_run_duration_seconds_bucket', { provider: 'command', state: 'completed', le: '+Inf' })).toBe(4);
    // Every run that started waited in the queue first: 4 completed, 1 failed, 1 running.
    expect(sampleValue(m, 'agentd_queue_wait_seconds_count')).toBe(6);
    expect(sampleValue(m, 'agentd_approvals_open', { kind: 'approval_request' })).toBe(1);
    expect(sampleValue(m, 'agentd_approvals_open', { kind: 'approval' })).toBe(0);
    expect(sampleValue(m, 'agentd_approval_wait_seconds_count', { kind: 'approval_request', outcome: 'answered' })).toBe(1);
    expect(sampleValue(m, 'agentd_http_requests_total', { method: 'POST', route: '/sessions/:id/messages', status: '201' })).toBe(posted.messages);
    expect(sampleValue(m, 'agentd_http_request_duration_seconds_count', { method: 'POST', route: '/sessions/:id/messages' })).toBe(posted.messages);
    expect(sampleValue(m, 'agentd_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sampleValue(m, 'agentd_build_info', { version: d.daemon.app.swagger().info.version })).toBe(1);
    expect(sampleValue(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);

    // Events written = every event in every session's log.
    let total = 0;
    for (const id of [a, b, c, child.session.id]) total += (await op('GET', `/sessions/${id}`)).session.last_seq;
    expect(sampleSum(m, 'agentd_events_written_total')).toBe(total);
    expect(sampleValue(m, 'agentd_events_written_total', { type: 'run.completed' })).toBe(4);
  });

  it('times each SQLite write: one more write is one more observation', async () => {
    const s = (await op('POST', '/sessions', {})).session.id;
    const before = sampleValue(await scrape(), 'agentd_sqlite_write_duration_seconds_count')!;
    await op('POST', `/sessions/${s}/messages`, { text: 'a note', role: 'system' });
    expect(sampleValue(await scrape(), 'agentd_sqlite_write_duration_seconds_count')).toBe(before + 1);
  });

  it('counts open streams and streams cut off for reading too slowly', async () => {
    const s = (await op('POST', '/sessions', {})).session.id;
    const base = sampleValue(await scrape(), 'agentd_stream_clients')!;
    const sse = await openSse(`${d.url}/sessions/${s}/stream`, { authorization: `Bearer ${OP}` });
    await sse.waitFor((f) => f.type === 'stream.opened');
    expect(sampleValue(await scrape(), 'agentd_stream_clients')).toBe(base + 1);
    sse.close();
    await waitUntil('the closed SSE stream is no longer counted', async () => sampleValue(await scrape(), 'agentd_stream_clients') === base);

    const ws = await openWs(`${d.url}/sessions/${s}/stream`, { token: OP });
    await ws.waitFor((f) => f.type === 'stream.opened');
    (ws.socket as any)._socket.pause();
    const big = 'x'.repeat(100 * 1024);
    for (let i = 0; i < 80; i++) await op('POST', `/sessions/${s}/messages`, { text: big, role: 'assistant' });
    (ws.socket as any)._socket.resume();
    expect((await ws.closed).code).toBe(4008);
    expect(sampleValue(await scrape(), 'agentd_stream_overflows_total')).toBe(1);
  });

  it('the Grafana dashboard in docs/ queries only metrics agentd exports', async () => {
    const dashboard = readFileSync(fileURLToPath(new URL('../../docs/grafana-dashboard.json', import.meta.url)), 'utf8');
    const used = new Set(dashboard.match(/\b(?:agentd|process|nodejs)_[a-z0-9_]+/g));
    expect(used.size).toBeGreaterThan(10);
    const exported = new Set((await scrape()).map((s) => s.name));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('is guarded: operator or scrape token; the scrape token opens nothing else; run tokens are refused', async () => {
    expect((await d.api('GET', '/metrics')).status).toBe(401);
    expect((await d.api('GET', '/metrics', { token: 'wrong' })).status).toBe(401);
    expect(sampleValue(await scrape(SCRAPE), 'agentd_queue_depth')).toBe(0);
    expect((await d.api('GET', '/daemon/status', { token: SCRAPE })).status).toBe(401);
    expect((await d.api('GET', '/sessions', { token: SCRAPE })).status).toBe(401);
    const byRun = await d.api('GET', '/metrics', { token: agentToken });
    expect(byRun.status).toBe(403);
    expect(byRun.body.code).toBe('forbidden');
  });
});
