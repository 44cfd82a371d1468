/**
 * Issue 11, item 5: a run token's streams and tickets live no longer than its run. Found: a stream
 * opened with a run token kept receiving events (a later user message too) after the run ended,
 * and a ticket minted with it still opened a stream.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { waitForFile } from '../support/files.js';
import { openSse, openWs } from '../support/stream-clients.js';

const OP = 'run-stream-operator';

describe('streams and tickets of a run token end with its run', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP] }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  const op = (method: string, path: string, body?: unknown) => d.api(method, path, { token: OP, ...(body !== undefined && { body }) });

  /** A running agent that waits for `release()`, and its run token. */
  async function agentRun(name: string) {
    const session = (await op('POST', '/sessions', {})).body.session.id as string;
    const file = join(d.dir, `${name}.json`);
    const run = (await op('POST', `/sessions/${session}/messages`, { text: `env-to-file ${file}` })).body.run.id as string;
    const token = JSON.parse(await waitForFile(file)).AGENTD_TOKEN as string;
    return {
      session,
      run,
      token,
      release: async () => {
        writeFileSync(`${file}.release`, 'go');
        expect((await op('GET', `/runs/${run}/wait?timeout_s=30`)).body.run.state).toBe('completed');
      },
    };
  }

  it('WebSocket, SSE and the global stream get the run\'s last events, then stream.closed (run_ended), and nothing after', async () => {
    const a = await agentRun('a');
    const child = (await d.api('POST', `/runs/${a.run}/spawn`, { token: a.token, body: { task: 'echo child' } })).body.session.id;
    const ws = await openWs(`${d.url}/sessions/${a.session}/stream`, { token: a.token });
    const sse = await openSse(`${d.url}/stream`, { authorization: `Bearer ${a.token}` });
    // A stream of another session of its tree: the run's end is not among the events it shows.
    const childStream = await openWs(`${d.url}/sessions/${child}/stream`, { token: a.token });
    for (const s of [ws, sse, childStream]) await s.waitFor((f) => f.type === 'stream.opened');
    await ws.waitFor((f) => f.type === 'run.process');
    // An operator stream of the same session is not tied to the run.
    const operator = await openWs(`${d.url}/sessions/${a.session}/stream`, { token: OP });

    await a.release();
    for (const s of [ws, sse, childStream]) {
      const closed = await s.waitFor((f) => f.type === 'stream.closed');
      expect(closed).toMatchObject({ reason: 'run_ended' });
      expect(closed.detail).toContain(a.run);
      await s.closed;
    }
    expect((await ws.closed).code).toBe(4401);
    // The run's own end was delivered before the stream ended.
    const endIndex = ws.frames.findIndex((f) => f.type === 'run.completed');
    expect(endIndex).toBeGreaterThan(-1);
    expect(endIndex).toBeLessThan(ws.frames.findIndex((f) => f.type === 'stream.closed'));
    expect(sse.events().some((e) => e.type === 'run.completed' && e.run_id === a.run)).toBe(true);

    // A later user message in the session reaches the operator's stream, not the run token's.
    await op('POST', `/sessions/${a.session}/messages`, { text: 'later', role: 'system' });
    await operator.waitFor((f) => f.type === 'message.created' && f.data.message.text === 'later');
    for (const s of [ws, sse, childStream]) expect(s.frames.some((f) => f.data?.message?.text === 'later')).toBe(false);
    operator.close();
  });

  it('a ticket minted with a run token opens no stream once the run ended; an operator\'s ticket is unchanged', async () => {
    const b = await agentRun('b');
    const ticket = (await d.api('POST', '/stream/tickets', { token: b.token })).body.ticket as string;
    const spare = (await d.api('POST', '/stream/tickets', { token: b.token })).body.ticket as string;
    // While the run runs, a ticket works (and its stream then ends with the run).
    const live = await openSse(`${d.url}/sessions/${b.session}/stream?ticket=${spare}`);
    expect(live.status).toBe(200);
    await live.waitFor((f) => f.type === 'stream.opened');
    const operatorTicket = (await d.api('POST', '/stream/tickets', { token: OP })).body.ticket as string;
    await b.release();
    expect((await live.waitFor((f) => f.type === 'stream.closed')).reason).toBe('run_ended');

    const refused = await d.api('GET', `/sessions/${b.session}/stream?ticket=${ticket}`);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('token_expired');
    const err = await openWs(`${d.url}/stream?ticket=${ticket}`).then(() => undefined, (e) => e);
    expect(err?.status).toBe(401);

    const ok = await openSse(`${d.url}/sessions/${b.session}/stream?ticket=${operatorTicket}`);
    expect(ok.status).toBe(200);
    await ok.waitFor((f) => f.type === 'run.completed');
    ok.close();
  });

  it('a stream opened just before its run ends still gets every event up to the end, without a gap, then ends', async () => {
    const c = await agentRun('c');
    // Many events before the stream opens, so the end may arrive while it replays (unit-tested exactly in
    // test/unit/gateway/subscription-end.test.ts).
    for (let i = 0; i < 50; i++) await op('POST', `/sessions/${c.session}/messages`, { text: `note ${i}`, role: 'system' });
    const sse = await openSse(`${d.url}/sessions/${c.session}/stream`, { authorization: `Bearer ${c.token}` });
    await c.release();
    const closed = await sse.waitFor((f) => f.type === 'stream.closed');
    expect(closed.reason).toBe('run_ended');
    const seqs = sse.events().map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(sse.events().at(-1)!.seq).toBeGreaterThanOrEqual(sse.events().find((e) => e.type === 'run.completed')!.seq);
  });
});
