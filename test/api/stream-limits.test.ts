import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseParser } from '../../src/client/stream-client.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { openSse, openWs } from '../support/stream-clients.js';
import { chunkedBody, rawConnection } from '../support/raw-http.js';
import { waitUntil } from '../support/wait.js';

/** 40 messages of 200 kB: more than a paused client's socket buffers can take. */
async function bigLog(d: TestDaemon): Promise<string> {
  const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
  const text = 'x'.repeat(200_000);
  for (let i = 0; i < 40; i++) await d.daemon.store.postMessage({ session_id: session, role: 'system', text });
  return session;
}

const openStreams = async (d: TestDaemon) => (await d.api('GET', '/daemon/status')).body.open_streams as number;

describe('a client that stops reading', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ streamHeartbeatMs: 200, streamBufferBytes: 64 * 1024 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('an SSE client that stops reading during its catch-up is cut off, and resumes from its last event with nothing lost', async () => {
    const session = await bigLog(d);
    const conn = await rawConnection(d.url);
    conn.socket.pause();
    conn.socket.write(`GET /sessions/${session}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    await waitUntil('the stream opens', async () => (await openStreams(d)) === 1);
    // It never reads; the daemon must not wait on it for ever.
    await waitUntil('the stalled stream is closed by the daemon', async () => (await openStreams(d)) === 0);
    conn.socket.resume();
    const text = await conn.closed;
    const parser = new SseParser();
    const seen = parser.push(chunkedBody(text)).filter((f) => f.id);
    const last = seen.at(-1)?.id;
    const rest = await openSse(`${d.url}/sessions/${session}/stream`, last ? { 'last-event-id': last } : {});
    await rest.waitFor((f) => f.seq === 41);
    rest.close();
    const seqs = [...seen.map((f) => JSON.parse(f.data).seq), ...rest.events().map((e) => e.seq)];
    expect(seqs).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });

});

describe('the stream limit', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ maxStreams: 3 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('streams past --max-streams are refused with 503 and Retry-After before they open; a freed place serves again', async () => {
    const a = await openWs(`${d.url}/stream`);
    const b = await openSse(`${d.url}/stream`);
    const c = await openWs(`${d.url}/stream`);
    await waitUntil('three streams are open', async () => (await openStreams(d)) === 3);
    const refusedSse = await rawConnection(d.url);
    refusedSse.socket.write('GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    const head = await refusedSse.waitFor(/\r\n\r\n/);
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    const answer = await refusedSse.waitFor(/\r\n\r\n\{.*\}$/s);
    expect(answer).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(answer).toMatch(/"code":"unavailable"/);
    refusedSse.socket.destroy();
    await expect(openWs(`${d.url}/stream`)).rejects.toMatchObject({ status: 503 });
    c.close();
    await waitUntil('a place is free', async () => (await openStreams(d)) === 2);
    const again = await openWs(`${d.url}/stream`);
    await again.waitFor((f) => f.type === 'stream.opened');
    for (const s of [a, b, again]) s.close();
  });
});
