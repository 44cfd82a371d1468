/**
 * Issue 11, items 1–3: what a web page the user happens to visit can do to agentd. Each attack is
 * replayed as a browser would send it (the Host, Origin and Content-Type it sets), against a
 * daemon in its default open mode and one with tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';

const EVIL = 'http://evil.example';
const APP = 'https://app.example.com';

describe('exposure in the default open mode (no tokens)', () => {
  let d: TestDaemon;
  let own: string;
  beforeAll(async () => {
    d = await startTestDaemon({ allowedHosts: ['agentd.internal'] }, scriptedAgentOptions);
    own = d.url; // http://127.0.0.1:PORT — a page served by agentd itself has this origin
  });
  afterAll(() => d.close());

  const count = async () => (await d.api('GET', '/sessions?limit=500')).body.sessions.length as number;

  it('1. DNS rebinding: a request addressed to another host name is refused before any handler, and changes nothing', async () => {
    const before = await count();
    const rebound = { host: `evil.example:${d.daemon.port}`, origin: `http://evil.example:${d.daemon.port}` };
    const created = await d.api('POST', '/sessions', { body: {}, headers: rebound });
    expect(created.status).toBe(403);
    expect(created.body.code).toBe('host_not_allowed');
    expect(created.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Even without an Origin, and on reads and unknown routes: nothing is answered for that host.
    for (const [method, path] of [['GET', '/health'], ['GET', '/sessions'], ['GET', '/nowhere'], ['POST', '/sessions']] as const) {
      const res = await d.api(method, path, { headers: { host: 'evil.example' } });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe('host_not_allowed');
    }
    expect(await count()).toBe(before);
    // A message sent the same way never becomes a run.
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const sent = await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'echo pwned' }, headers: rebound });
    expect(sent.status).toBe(403);
    expect((await d.api('GET', `/sessions/${session}/events`)).body.events.map((e: any) => e.type)).toEqual(['session.created']);
  });

  it('1. a WebSocket upgrade addressed to another host name is refused with the same problem', async () => {
    const err = await openWs(`${d.url}/stream`, { headers: { host: 'evil.example' } }).then(() => undefined, (e) => e);
    expect(err?.status).toBe(403);
    expect(err.body.code).toBe('host_not_allowed');
  });

  it('1. loopback names and addresses, and --allowed-host names, are answered', async () => {
    const port = d.daemon.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, '127.0.0.2', 'agentd.internal', 'Agentd.Internal:443']) {
      expect((await d.api('GET', '/health', { headers: { host } })).status, host).toBe(200);
    }
    for (const host of ['agentd.internal.evil.example', '127.0.0.1.nip.io', '10.0.0.7', 'agentd.internal@evil.example']) {
      expect((await d.api('GET', '/health', { headers: { host } })).status, host).toBe(403);
    }
  });

  it('2. cross-site WebSocket hijacking: an upgrade from another origin is refused, and nothing is streamed', async () => {
    const err = await openWs(`${d.url}/stream`, { headers: { origin: EVIL } }).then(() => undefined, (e) => e);
    expect(err?.status).toBe(403);
    expect(err.body.code).toBe('origin_not_allowed');
    // The daemon's own page, and clients that are not browsers (no Origin), still connect.
    for (const headers of [{ origin: own }, {}] as Record<string, string>[]) {
      const ws = await openWs(`${d.url}/stream`, { headers });
      await ws.waitFor((f) => f.type === 'stream.opened');
      ws.close();
    }
  });

  it('2. a cross-site bodyless POST (a CORS simple request) no longer cancels a run, with or without Origin', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'hold' } })).body.run;
    // What a page's fetch(url, {method: 'POST', mode: 'no-cors'}) or a <form> sends.
    const simple: Record<string, string>[] = [
      { origin: EVIL },
      { origin: EVIL, 'content-type': 'text/plain' },
      { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      { origin: 'null' },
      // A browser that left Origin out still cannot send a non-simple request cross-site.
      {},
      { 'content-type': 'text/plain' },
    ];
    for (const headers of simple) {
      const res = await d.api('POST', `/runs/${run.id}/cancel`, { headers: { ...headers, 'content-type': headers['content-type'] ?? '' } });
      expect(res.status, JSON.stringify(headers)).toBeGreaterThanOrEqual(400);
      expect(['origin_not_allowed', 'unsupported_media_type']).toContain(res.body.code);
    }
    for (const path of ['/sessions', '/stream/tickets']) {
      const res = await d.api('POST', path, { headers: { origin: EVIL, 'content-type': '' } });
      expect(res.status, path).toBe(403);
    }
    expect((await d.api('GET', `/runs/${run.id}`)).body.run.state).toBe('running');
    // Same origin with a JSON content type is how agentd's own page (and agentctl) does it.
    const cancelled = await d.api('POST', `/runs/${run.id}/cancel`, { headers: { origin: own } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.run.state).toBe('cancelled');
  });

  it('2. a GET carrying a foreign Origin is refused too (nothing legitimate sends one), a same-origin one is not', async () => {
    expect((await d.api('GET', '/sessions', { headers: { origin: EVIL } })).body.code).toBe('origin_not_allowed');
    expect((await d.api('GET', '/sessions', { headers: { origin: own } })).status).toBe(200);
    // Same host, other port: another origin.
    expect((await d.api('GET', '/sessions', { headers: { origin: 'http://127.0.0.1:1' } })).status).toBe(403);
  });
});

describe('CORS for allowed origins, with tokens', () => {
  let d: TestDaemon;
  const TOKEN = 'cors-token';
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [TOKEN], allowedOrigins: [APP] }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  const preflight = (origin: string, method = 'POST', headers = 'authorization, content-type') =>
    d.api('OPTIONS', '/sessions', { headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

  it('3. a preflight from an allowed origin is answered before auth, allowing the headers the API needs', async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of ['authorization', 'content-type', 'idempotency-key', 'last-event-id']) expect(allowed).toContain(h);
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('3. the actual request from an allowed origin carries the CORS headers, also on errors and streams', async () => {
    const ok = await d.api('POST', '/sessions', { body: {}, token: TOKEN, headers: { origin: APP } });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/x-request-id/i);
    const denied = await d.api('GET', '/sessions', { headers: { origin: APP } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(APP);
    // An SSE stream is written outside fastify's reply; it must carry them too or EventSource fails.
    const sse = await new Promise<Headers>((resolve, reject) => {
      const controller = new AbortController();
      fetch(`${d.url}/stream`, { headers: { origin: APP, authorization: `Bearer ${TOKEN}` }, signal: controller.signal }).then((r) => {
        resolve(r.headers);
        controller.abort();
      }, reject);
    });
    expect(sse.get('content-type')).toMatch(/^text\/event-stream/);
    expect(sse.get('access-control-allow-origin')).toBe(APP);
    expect(sse.get('access-control-allow-credentials')).toBe('true');
  });

  it('3. any other origin gets a refusal and no CORS headers, preflight or not', async () => {
    for (const res of [await preflight(EVIL), await d.api('GET', '/sessions', { token: TOKEN, headers: { origin: EVIL } })]) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('origin_not_allowed');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    // A look-alike of an allowed origin is another origin.
    expect((await preflight('https://app.example.com.evil.example')).status).toBe(403);
    expect((await preflight('http://app.example.com')).status).toBe(403);
  });
});
