import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { openSse, openWs } from '../support/stream-clients.js';

const OP = 'stream-op';
const OTHER = 'stream-other';

describe('streams: resume from a cursor, exactly once, in order', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP, OTHER], streamHeartbeatMs: 200 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  const auth = { authorization: `Bearer ${OP}` };
  const newSession = async (token = OP) => (await d.api('POST', '/sessions', { token, body: {} })).body.session.id as string;
  const note = (sessionId: string, text: string, token = OP) =>
    d.api('POST', `/sessions/${sessionId}/messages`, { token, body: { text, role: 'system' } });

  it('SSE: read part, disconnect, more is appended, reconnect with Last-Event-ID: exactly the missing events', async () => {
    const s = await newSession();
    for (let i = 0; i < 5; i++) await note(s, `before ${i}`);
    const first = await openSse(`${d.url}/sessions/${s}/stream`, auth);
    expect(first.status).toBe(200);
    await first.waitFor((f) => f.seq === 6);
    expect(first.frames[0]).toMatchObject({ type: 'stream.opened', resumed_from: null, session_id: s });
    const seen = first.events().slice(0, 4); // the client handled seq 1..4, then the connection drops
    first.close();
    for (let i = 0; i < 5; i++) await note(s, `after ${i}`);

    const again = await openSse(`${d.url}/sessions/${s}/stream`, { ...auth, 'last-event-id': seen[3].id });
    await again.waitFor((f) => f.seq === 11);
    expect(again.frames[0]).toMatchObject({ type: 'stream.opened', resumed_from: seen[3].id });
    const rest = again.events();
    expect(rest.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(rest.every((e) => e.sse_id === e.id)).toBe(true);
    // A heartbeat comes as a named event a parser sees, without moving Last-Event-ID.
    const beat = await again.waitFor((f) => f.type === 'stream.heartbeat');
    expect(beat).toMatchObject({ sse_event: 'stream.heartbeat', cursor: rest[rest.length - 1].id });
    expect(beat.sse_id).toBeUndefined();
    again.close();
  });

  it('WebSocket: resume with ?cursor= across a daemon restart gets exactly the missing events', async () => {
    const s = await newSession();
    for (let i = 0; i < 3; i++) await note(s, `ws ${i}`);
    const ws = await openWs(`${d.url}/stream?sessionId=${s}`, { token: OP });
    await ws.waitFor((f) => f.seq === 4);
    const last = ws.events()[3];
    ws.close();
    await d.restart();
    for (let i = 0; i < 3; i++) await note(s, `after restart ${i}`);
    const resumed = await openWs(`${d.url}/stream?sessionId=${s}&cursor=${last.id}`, { token: OP });
    await resumed.waitFor((f) => f.seq === 7);
    expect(resumed.frames[0]).toMatchObject({ type: 'stream.opened', resumed_from: last.id, session_id: s });
    expect(resumed.events().map((e) => e.seq)).toEqual([5, 6, 7]);
    // Live events follow without a gap.
    await note(s, 'live');
    expect((await resumed.waitFor((f) => f.seq === 8)).data.message.text).toBe('live');
    resumed.close();
  });

  it('the global stream carries every session of the caller and none of another principal', async () => {
    const ws = await openWs(`${d.url}/stream`, { token: OP });
    await ws.waitFor((f) => f.type === 'stream.opened');
    const mine = await newSession();
    const theirs = await newSession(OTHER);
    await note(theirs, 'secret', OTHER);
    await note(mine, 'mine');
    await ws.waitFor((f) => f.session_id === mine && f.type === 'message.created');
    expect(ws.events().some((e) => e.session_id === theirs)).toBe(false);
    // Global order: ids strictly increase across sessions.
    const ids = ws.events().map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    ws.close();
  });

  it('race: events appended continuously while clients connect and resume at random points; each sequence is gap-free and duplicate-free', async () => {
    const s = await newSession();
    const total = 300;
    let appended = 1; // session.created
    const appender = (async () => {
      for (let i = 0; i < total; i++) {
        await note(s, `race ${i}`);
        appended++;
      }
    })();
    const finalSeq = total + 1;
    const clients = await Promise.all(Array.from({ length: 12 }, async (_, k) => {
      // Join at different moments and cursors: some from the start, some from a random event seen so far.
      await new Promise((r) => setImmediate(r));
      const page = (await d.api('GET', `/sessions/${s}/events?limit=1000`, { token: OP })).body.events as any[];
      const from = k % 3 === 0 || page.length === 0 ? null : page[Math.floor(Math.random() * page.length)];
      const url = `${d.url}/sessions/${s}/stream${from ? `?cursor=${from.id}` : ''}`;
      const client = k % 2 === 0 ? await openSse(url, auth) : await openWs(url, { token: OP });
      await client.waitFor((f) => f.seq === finalSeq);
      client.close();
      return { startSeq: from ? from.seq : 0, seqs: client.events().map((e) => e.seq) };
    }));
    await appender;
    expect(appended).toBe(finalSeq);
    for (const c of clients) {
      expect(c.seqs).toEqual(Array.from({ length: finalSeq - c.startSeq }, (_, i) => c.startSeq + i + 1));
    }
  });

  it('a stalled reader is cut off past the buffer limit with its resume cursor, and nothing is held for it', async () => {
    // A long heartbeat, so the dead-socket check (no pong from a paused reader) does not act first.
    await d.restart({ streamBufferBytes: 64 * 1024, streamHeartbeatMs: 60_000 });
    const s = await newSession();
    const ws = await openWs(`${d.url}/sessions/${s}/stream`, { token: OP });
    await ws.waitFor((f) => f.type === 'stream.opened');
    // Stop reading: the socket's buffers fill up, then the daemon's.
    (ws.socket as any)._socket.pause();
    const big = 'x'.repeat(100 * 1024);
    for (let i = 0; i < 80; i++) await note(s, big);
    const status = (await d.api('GET', '/daemon/status', { token: OP })).body;
    expect(status.open_streams).toBe(0);
    (ws.socket as any)._socket.resume();
    const closed = await ws.closed;
    expect(closed.code).toBe(4008);
    const overflow = ws.frames.find((f) => f.type === 'stream.overflow');
    expect(overflow.resume_cursor).toBe(ws.events().at(-1)?.id ?? null);
    // Far less than the 8 MB appended reached this client: the rest was never buffered for it.
    expect(ws.events().length).toBeLessThan(80);
    // It resumes from its cursor and gets the rest, in order: a catch-up waits for a slow reader.
    const again = await openWs(`${d.url}/sessions/${s}/stream${overflow.resume_cursor ? `?cursor=${overflow.resume_cursor}` : ''}`, { token: OP });
    const lastSeq = 81;
    await again.waitFor((f) => f.seq === lastSeq);
    expect([...ws.events(), ...again.events()].map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    again.close();
  });

  it('a WebSocket that stops answering pings is closed', async () => {
    await d.restart({ streamHeartbeatMs: 200 });
    const s = await newSession();
    const ws = await openWs(`${d.url}/sessions/${s}/stream`, { token: OP, autoPong: false });
    const closed = await ws.closed;
    expect(closed.code).toBe(1006);
  });
});

describe('stream auth', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP] }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('no token → 401 on SSE and WebSocket; a bad cursor or a foreign session is refused before streaming', async () => {
    const s = (await d.api('POST', '/sessions', { token: OP, body: {} })).body.session.id;
    expect((await openSse(`${d.url}/sessions/${s}/stream`)).status).toBe(401);
    await expect(openWs(`${d.url}/stream`)).rejects.toMatchObject({ status: 401 });
    expect((await openSse(`${d.url}/sessions/${s}/stream?cursor=bogus`, { authorization: `Bearer ${OP}` })).status).toBe(400);
    expect((await openSse(`${d.url}/sessions/ses_nope/stream`, { authorization: `Bearer ${OP}` })).status).toBe(404);
  });

  it('a browser opens a WebSocket with a single-use ticket; a used ticket is refused; tickets never need the token in the URL', async () => {
    const s = (await d.api('POST', '/sessions', { token: OP, body: {} })).body.session.id;
    const issued = await d.api('POST', '/stream/tickets', { token: OP });
    expect(issued.status).toBe(201);
    expect(issued.body.ticket).toMatch(/^tkt_/);
    expect(Date.parse(issued.body.expires_at)).toBeGreaterThan(Date.now());
    const ws = await openWs(`${d.url}/stream?sessionId=${s}&ticket=${issued.body.ticket}`);
    await ws.waitFor((f) => f.seq === 1);
    ws.close();
    await expect(openWs(`${d.url}/stream?sessionId=${s}&ticket=${issued.body.ticket}`)).rejects.toMatchObject({ status: 401 });
    const sse = await d.api('POST', '/stream/tickets', { token: OP });
    expect((await openSse(`${d.url}/sessions/${s}/stream?ticket=${sse.body.ticket}`)).status).toBe(200);
    expect((await openSse(`${d.url}/sessions/${s}/stream?ticket=${sse.body.ticket}`)).status).toBe(401);
    // A ticket is for streams only.
    const t = await d.api('POST', '/stream/tickets', { token: OP });
    expect((await d.api('GET', `/sessions/${s}?ticket=${t.body.ticket}`)).status).toBe(401);
    expect((await d.api('POST', '/stream/tickets')).status).toBe(401);
  });
});
