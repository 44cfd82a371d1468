import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { rawConnection, responseBody } from '../support/raw-http.js';

describe('requests agentd cannot take as sent', () => {
  let d: TestDaemon;
  let sessionId: string;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
    sessionId = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
  });
  afterAll(() => d.close());

  it('headers too large are a 431 problem document, and the daemon keeps serving', async () => {
    const conn = await rawConnection(d.url);
    conn.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    const text = await conn.closed;
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(text).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(text).toMatch(/\r\nx-request-id: http_[0-9a-z]{26}\r\n/i);
    const problem = responseBody(text);
    expect(problem).toMatchObject({ status: 431, code: 'headers_too_large', type: 'https://agent-orchestrator.dev/problems/headers-too-large' });
    expect(JSON.stringify(problem)).not.toMatch(/\bat \S+:\d+/);
    expect((await d.api('GET', '/health')).status).toBe(200);
  });

  it('a number in the query must be written as a plain decimal: 1e3, 1.5 and 0x10 are refused, not read as 1 or 16', async () => {
    for (const limit of ['1e3', '1.5', '0x10', '12abc', '']) {
      const res = await d.api('GET', `/sessions/${sessionId}/events?limit=${limit}`);
      expect(res.status, `limit=${limit}`).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
      expect(res.body.detail).toMatch(/querystring \/limit/);
    }
    expect((await d.api('GET', `/sessions?limit=1e1`)).status).toBe(400);
    expect((await d.api('GET', `/sessions/${sessionId}/events?limit=1000`)).status).toBe(200);
    expect((await d.api('GET', `/sessions/${sessionId}/events?limit=007`)).status).toBe(200);
    // A number field takes decimals, but only as plain decimal text.
    const run = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo n' } })).body.run;
    expect((await d.api('GET', `/runs/${run.id}/wait?timeout_s=1e1`)).status).toBe(400);
    expect((await d.api('GET', `/runs/${run.id}/wait?timeout_s=20.5`)).status).toBe(200);
  });
});
