import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { rawConnection, responseBody } from '../support/raw-http.js';

const TOKEN = 'connections-op';

/** Deadlines are configured small; every test awaits the socket's close, none measures time. */
describe('connection deadlines', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [TOKEN], headerTimeoutMs: 300, bodyTimeoutMs: 600, keepAliveTimeoutMs: 300 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('a request whose body never finishes arriving is answered 408 and closed', async () => {
    const conn = await rawConnection(d.url);
    conn.socket.write(`POST /sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":`);
    const text = await conn.closed;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(responseBody(text)).toMatchObject({ status: 408, code: 'request_timeout' });
    // Nothing was created by the half request.
    expect((await d.api('GET', '/sessions', { token: TOKEN })).body.sessions).toEqual([]);
  });

  it('an unauthenticated request with a partial body gets its 401, then the connection is closed', async () => {
    const conn = await rawConnection(d.url);
    conn.socket.write('POST /sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":');
    const text = await conn.closed;
    expect(text).toMatch(/^HTTP\/1\.1 401 /);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(responseBody(text)).toMatchObject({ code: 'unauthorized' });
  });

  it('headers sent slower than the header deadline: 408, closed', async () => {
    const conn = await rawConnection(d.url);
    conn.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const text = await conn.closed;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a connection that never sends a byte is closed', async () => {
    const conn = await rawConnection(d.url);
    expect(await conn.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a kept-alive connection idle after its answer is closed', async () => {
    const conn = await rawConnection(d.url);
    conn.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await conn.waitFor(/"status":"ok"/);
    const text = await conn.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a long-poll is not an idle connection: it gets its answer', async () => {
    const session = (await d.api('POST', '/sessions', { token: TOKEN, body: {} })).body.session.id;
    const run = (await d.api('POST', `/sessions/${session}/messages`, { token: TOKEN, body: { text: 'hold' } })).body.run;
    const waited = d.api('GET', `/runs/${run.id}/wait?timeout_s=30`, { token: TOKEN });
    while ((await d.api('GET', '/daemon/status', { token: TOKEN })).body.open_waits === 0);
    // A silent connection opened after the wait is closed by the deadlines; the wait, which has
    // been quiet for longer, is still pending. Ending the run answers it.
    const silent = await rawConnection(d.url);
    await silent.closed;
    expect((await d.api('GET', '/daemon/status', { token: TOKEN })).body.open_waits).toBe(1);
    await d.api('POST', `/runs/${run.id}/cancel`, { token: TOKEN });
    expect((await waited).body.run.state).toBe('cancelled');
  });
});

describe('connection limit', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ maxConnections: 3 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('connections past --max-connections are closed as they arrive; freed places serve again', async () => {
    const held = [];
    for (let i = 0; i < 3; i++) {
      const conn = await rawConnection(d.url);
      // An answer proves the daemon took the connection (it is not waiting in the backlog).
      conn.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      await conn.waitFor(/"status":"ok"/);
      held.push(conn);
    }
    const extra = await rawConnection(d.url);
    extra.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await extra.closed).toBe('');
    held[0]!.socket.destroy();
    await held[0]!.closed;
    // The daemon sees the close on its next turn; a request may still meet the full house before.
    let status = 0;
    while (status !== 200) status = await d.api('GET', '/health').then((r) => r.status, () => 0);
    expect(status).toBe(200);
    for (const conn of held) conn.socket.destroy();
  });
});
