/**
 * Browser sign-in (issue 11, item 4): an operator token is exchanged for an HttpOnly session
 * cookie that works on every route and stream, survives restarts, and ends when signed out or
 * when its token is revoked. The browser's own behaviour with it is in test/browser/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { waitForFile } from '../support/files.js';
import { openSse, openWs } from '../support/stream-clients.js';

const ALICE = 'alice:alice-secret-1';
const BOB = 'bob:bob-secret-1';

/** The `name=value` of agentd's session cookie in a response, and its attributes. */
function sessionCookie(headers: Headers): { pair: string; value: string; attributes: string } {
  const line = headers.getSetCookie().find((c) => c.startsWith('agentd_session='));
  if (!line) throw new Error(`no agentd_session cookie in ${JSON.stringify(headers.getSetCookie())}`);
  const [pair, ...attributes] = line.split(';');
  return { pair: pair!, value: pair!.slice('agentd_session='.length), attributes: attributes.join(';') };
}

describe('browser sign-in with a session cookie', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon((dir) => {
      writeFileSync(join(dir, 'tokens'), `# operators\n${ALICE}\n${BOB}\n`);
      return { tokensFile: join(dir, 'tokens') };
    }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  const signIn = async (token: string, headers: Record<string, string> = {}) => {
    const res = await d.api('POST', '/auth/session', { token, headers });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { res, cookie: sessionCookie(res.headers) };
  };
  const withCookie = (pair: string, extra: Record<string, string> = {}) => ({ headers: { cookie: pair, ...extra } });

  it('POST /auth/session with an operator token sets an HttpOnly, SameSite=Strict cookie that works on every route', async () => {
    const { res, cookie } = await signIn('alice-secret-1');
    expect(res.body).toMatchObject({ principal: { id: 'alice', kind: 'operator', run_id: null }, via: 'cookie', auth_enabled: true });
    expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
    expect(cookie.attributes).toMatch(/HttpOnly/i);
    expect(cookie.attributes).toMatch(/SameSite=Strict/i);
    expect(cookie.attributes).toMatch(/Path=\//i);
    expect(cookie.attributes).toMatch(/Max-Age=2592000/i);
    expect(cookie.attributes).not.toMatch(/Secure/i); // plain http: a Secure cookie would be dropped
    expect(cookie.value).toMatch(/^ags_[A-Za-z0-9_-]{43}$/);

    const me = await d.api('GET', '/auth/session', withCookie(cookie.pair));
    expect(me.body).toMatchObject({ principal: { id: 'alice', kind: 'operator' }, via: 'cookie', expires_at: res.body.expires_at });
    const created = await d.api('POST', '/sessions', { body: {}, ...withCookie(cookie.pair) });
    expect(created.status).toBe(201);
    expect(created.body.session.owner).toBe('alice');
    expect((await d.api('GET', `/sessions/${created.body.session.id}/events`, withCookie(cookie.pair))).status).toBe(200);
    const sse = await openSse(`${d.url}/sessions/${created.body.session.id}/stream`, { cookie: cookie.pair });
    expect(sse.status).toBe(200);
    await sse.waitFor((f) => f.type === 'session.created');
    sse.close();
    const ws = await openWs(`${d.url}/stream`, { headers: { cookie: cookie.pair } });
    await ws.waitFor((f) => f.type === 'session.created' && f.session_id === created.body.session.id);
    ws.close();
  });

  it('behind https (the page\'s Origin says so) the cookie is Secure', async () => {
    await d.restart({ allowedOrigins: ['https://agentd.example.com'] });
    const { cookie } = await signIn('alice-secret-1', { origin: 'https://agentd.example.com' });
    expect(cookie.attributes).toMatch(/Secure/i);
  });

  it('only a hash of the cookie is stored, and the sign-in survives a daemon restart', async () => {
    const { cookie } = await signIn('bob-secret-1');
    await d.restart();
    const me = await d.api('GET', '/auth/session', withCookie(cookie.pair));
    expect(me.status).toBe(200);
    expect(me.body.principal.id).toBe('bob');
    const db = new Database(d.dbPath, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT * FROM sign_ins').all() as Record<string, string>[];
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(cookie.value);
      expect(JSON.stringify(rows)).not.toContain('bob-secret-1');
    } finally {
      db.close();
    }
    for (const file of [d.dbPath, `${d.dbPath}-wal`]) {
      let bytes = '';
      try {
        bytes = readFileSync(file, 'latin1');
      } catch {
        continue;
      }
      expect(bytes).not.toContain(cookie.value);
    }
  });

  it('a cookie does not authenticate a request from another site\'s page (the Origin check is the CSRF defence)', async () => {
    const { cookie } = await signIn('alice-secret-1');
    const res = await d.api('POST', '/sessions', { body: {}, ...withCookie(cookie.pair, { origin: 'http://evil.example' }) });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('origin_not_allowed');
    const bare = await d.api('POST', '/sessions', withCookie(cookie.pair, { 'content-type': '' }));
    expect(bare.status).toBe(415);
  });

  it('signing out revokes the cookie, clears it, and ends the streams it opened', async () => {
    const { cookie } = await signIn('alice-secret-1');
    const session = (await d.api('POST', '/sessions', { body: {}, ...withCookie(cookie.pair) })).body.session.id;
    const ws = await openWs(`${d.url}/sessions/${session}/stream`, { headers: { cookie: cookie.pair } });
    await ws.waitFor((f) => f.type === 'session.created');
    const sse = await openSse(`${d.url}/stream`, { cookie: cookie.pair });
    await sse.waitFor((f) => f.type === 'stream.opened');
    // An operator's bearer stream is not touched by someone else signing out.
    const bearer = await openWs(`${d.url}/sessions/${session}/stream`, { token: 'alice-secret-1' });
    await bearer.waitFor((f) => f.type === 'session.created');

    const out = await d.api('DELETE', '/auth/session', withCookie(cookie.pair, { 'content-type': 'application/json' }));
    expect(out.status).toBe(204);
    expect(sessionCookie(out.headers).attributes).toMatch(/Max-Age=0/i);
    expect((await ws.waitFor((f) => f.type === 'stream.closed'))).toMatchObject({ reason: 'signed_out' });
    expect((await ws.closed).code).toBe(4401);
    expect((await sse.waitFor((f) => f.type === 'stream.closed')).reason).toBe('signed_out');
    await sse.closed;
    const after = await d.api('GET', '/sessions', withCookie(cookie.pair));
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthorized');
    // Signing out again (or with no cookie) is harmless.
    expect((await d.api('DELETE', '/auth/session', withCookie(cookie.pair))).status).toBe(204);
    expect((await d.api('DELETE', '/auth/session')).status).toBe(204);
    await d.api('POST', `/sessions/${session}/messages`, { token: 'alice-secret-1', body: { text: 'still here', role: 'system' } });
    await bearer.waitFor((f) => f.type === 'message.created');
    bearer.close();
  });

  it('a run token, a cookie and no credential cannot mint a sign-in', async () => {
    const session = (await d.api('POST', '/sessions', { body: {}, token: 'alice-secret-1' })).body.session.id;
    const file = join(d.dir, 'agent-env.json');
    const run = (await d.api('POST', `/sessions/${session}/messages`, { token: 'alice-secret-1', body: { text: `env-to-file ${file}` } })).body.run;
    const runToken = JSON.parse(await waitForFile(file)).AGENTD_TOKEN as string;
    try {
      const byRun = await d.api('POST', '/auth/session', { token: runToken });
      expect(byRun.status).toBe(403);
      expect(byRun.body.code).toBe('forbidden');
      expect(byRun.headers.getSetCookie()).toEqual([]);
      const { cookie } = await signIn('alice-secret-1');
      const byCookie = await d.api('POST', '/auth/session', withCookie(cookie.pair));
      expect(byCookie.status).toBe(403);
      const anonymous = await d.api('POST', '/auth/session');
      expect(anonymous.status).toBe(401);
    } finally {
      writeFileSync(`${file}.release`, 'go');
      await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`, { token: 'alice-secret-1' });
    }
  });

  it('revoking a name (tokens file, reloaded) ends its sign-ins and streams at once; other names keep theirs', async () => {
    const alice = (await signIn('alice-secret-1')).cookie;
    const bob = (await signIn('bob-secret-1')).cookie;
    const bobStream = await openWs(`${d.url}/stream`, { headers: { cookie: bob.pair } });
    await bobStream.waitFor((f) => f.type === 'stream.opened');
    const bobBearerStream = await openSse(`${d.url}/stream`, { authorization: 'Bearer bob-secret-1' });
    await bobBearerStream.waitFor((f) => f.type === 'stream.opened');

    writeFileSync(join(d.dir, 'tokens'), `${ALICE}\n`);
    const change = await d.daemon.reloadTokens();
    expect(change).toMatchObject({ added: [], removed: ['bob'] });

    expect((await bobStream.waitFor((f) => f.type === 'stream.closed')).reason).toBe('token_revoked');
    expect((await bobBearerStream.waitFor((f) => f.type === 'stream.closed')).reason).toBe('token_revoked');
    expect((await d.api('GET', '/auth/session', withCookie(bob.pair))).status).toBe(401);
    expect((await d.api('GET', '/sessions', { token: 'bob-secret-1' })).status).toBe(401);
    expect((await d.api('GET', '/auth/session', withCookie(alice.pair))).body.principal.id).toBe('alice');
    // Put back, bob's old cookie stays dead: a revocation is not undone by re-adding the name.
    writeFileSync(join(d.dir, 'tokens'), `${ALICE}\n${BOB}\n`);
    expect((await d.daemon.reloadTokens()).added).toEqual(['bob']);
    expect((await d.api('GET', '/auth/session', withCookie(bob.pair))).status).toBe(401);
  });

  it('a token removed while agentd was down does not let its cookies back in', async () => {
    const bob = (await signIn('bob-secret-1')).cookie;
    writeFileSync(join(d.dir, 'tokens'), `${ALICE}\n`);
    await d.restart();
    expect((await d.api('GET', '/auth/session', withCookie(bob.pair))).status).toBe(401);
    // Nor does putting it back: it was revoked at that start.
    writeFileSync(join(d.dir, 'tokens'), `${ALICE}\n${BOB}\n`);
    await d.daemon.reloadTokens();
    expect((await d.api('GET', '/auth/session', withCookie(bob.pair))).status).toBe(401);
  });
});

describe('sign-in with auth off', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('works for the local principal, so a web page needs no special case; it stops counting once tokens are configured', async () => {
    const res = await d.api('POST', '/auth/session');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ principal: { id: 'local', kind: 'local' }, auth_enabled: false });
    const { pair } = sessionCookie(res.headers);
    expect((await d.api('GET', '/auth/session', { headers: { cookie: pair } })).body.via).toBe('cookie');
    await d.restart({ authTokens: ['now-with-auth'] });
    expect((await d.api('GET', '/sessions', { headers: { cookie: pair } })).status).toBe(401);
  });
});
