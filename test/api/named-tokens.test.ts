/**
 * Issue 11, item 13: principals were derived from the token's secret, so rotating a token hid every
 * session its owner created. A named token's principal is its name; a bare token's is unchanged.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('named tokens', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: ['alice:first-secret', 'legacy-bare-token'] }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('the principal of NAME:SECRET is the name; a bare token keeps its fingerprint principal', async () => {
    const mine = (await d.api('POST', '/sessions', { body: {}, token: 'first-secret' })).body.session;
    expect(mine.owner).toBe('alice');
    const legacy = (await d.api('POST', '/sessions', { body: {}, token: 'legacy-bare-token' })).body.session;
    // Exactly the id it had before names existed, so sessions it created stay its own.
    expect(legacy.owner).toBe(`op_${createHash('sha256').update('legacy-bare-token').digest('hex').slice(0, 16)}`);
    expect((await d.api('GET', `/sessions/${legacy.id}`, { token: 'first-secret' })).status).toBe(404);
  });

  it('a rotated secret keeps the name\'s sessions, the old secret stops working, and both can overlap', async () => {
    const before = (await d.api('POST', '/sessions', { body: { title: 'kept' }, token: 'first-secret' })).body.session;
    await d.restart({ authTokens: ['alice:first-secret', 'alice:second-secret'] });
    // During the overlap both secrets are alice.
    for (const token of ['first-secret', 'second-secret']) {
      expect((await d.api('GET', `/sessions/${before.id}`, { token })).body.session.title, token).toBe('kept');
    }
    await d.restart({ authTokens: ['alice:second-secret'] });
    expect((await d.api('GET', `/sessions/${before.id}`, { token: 'second-secret' })).status).toBe(200);
    const listed = (await d.api('GET', '/sessions', { token: 'second-secret' })).body.sessions.map((s: any) => s.id);
    expect(listed).toContain(before.id);
    const old = await d.api('GET', '/sessions', { token: 'first-secret' });
    expect(old.status).toBe(401);
    expect(old.body.code).toBe('unauthorized');
  });

  it('GET /auth/session names the principal a token stands for', async () => {
    const me = await d.api('GET', '/auth/session', { token: 'second-secret' });
    expect(me.body).toEqual({ principal: { id: 'alice', kind: 'operator', run_id: null }, via: 'bearer', expires_at: null, auth_enabled: true });
  });
});
