import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { waitForFile } from '../support/files.js';
import { agentctl } from '../support/processes.js';

const OP = 'operator-token';

/**
 * The run-token permission matrix of docs/api-contract.md: for each endpoint, a run token on its
 * own tree, on a foreign tree, after its run ended, an operator token and no token.
 */
describe('run-scoped tokens', () => {
  let d: TestDaemon;
  const ids: Record<string, string> = {};
  const env: Record<string, Record<string, string>> = {};

  const op = (method: string, path: string, body?: unknown) => d.api(method, path, { token: OP, ...(body !== undefined && { body }) });

  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP] }, scriptedAgentOptions);
    const a = (await op('POST', '/sessions', {})).body.session;
    const b = (await op('POST', '/sessions', {})).body.session;
    ids.A = a.id;
    ids.B = b.id;
    // P: the parent run in tree A; C: its child; B: a foreign tree; E: a run that has ended.
    let file = join(d.dir, 'p.json');
    ids.P = (await op('POST', `/sessions/${a.id}/messages`, { text: `env-to-file ${file}` })).body.run.id;
    env.P = JSON.parse(await waitForFile(file));
    file = join(d.dir, 'c.json');
    const child = (await d.api('POST', `/runs/${ids.P}/spawn`, { token: env.P!.AGENTD_TOKEN, body: { task: `env-to-file ${file}` } })).body;
    ids.C = child.session.id;
    ids.CR = child.run.id;
    env.C = JSON.parse(await waitForFile(file));
    ids.BR = (await op('POST', `/sessions/${b.id}/messages`, { text: 'echo foreign' })).body.run.id;
    file = join(d.dir, 'e.json');
    const ended = (await op('POST', `/sessions/${b.id}/messages`, { text: `env-to-file ${file}` })).body.run.id;
    env.E = JSON.parse(await waitForFile(file));
    writeFileSync(`${file}.release`, 'go');
    expect((await op('GET', `/runs/${ended}/wait?timeout_s=30`)).body.run.state).toBe('completed');
  });
  afterAll(() => d.close());

  it('an agent gets AGENTD_URL, AGENTD_TOKEN, its run and session ids, its parent run, and agentctl on PATH', () => {
    expect(env.P).toMatchObject({ AGENTD_URL: d.url, AGENTD_RUN_ID: ids.P, AGENTD_SESSION_ID: ids.A });
    expect(env.P!.AGENTD_TOKEN).toMatch(/^agt_/);
    expect(env.P!.AGENTD_PARENT_RUN_ID).toBeUndefined();
    expect(env.C).toMatchObject({ AGENTD_RUN_ID: ids.CR, AGENTD_SESSION_ID: ids.C, AGENTD_PARENT_RUN_ID: ids.P });
    expect(env.C!.AGENTD_TOKEN).not.toBe(env.P!.AGENTD_TOKEN);
    expect(env.P!.PATH!.split(':')[0]).toMatch(/\/bin$/);
  });

  it('follows the documented matrix; every refusal changes nothing', async () => {
    const P = env.P!.AGENTD_TOKEN!;
    const C = env.C!.AGENTD_TOKEN!;
    const E = env.E!.AGENTD_TOKEN!;
    const snapshot = async () => JSON.stringify(await Promise.all([ids.A, ids.B, ids.C].map(async (s) => (await op('GET', `/sessions/${s}/events?limit=1000`)).body.events.length)));
    const cases: [string, string, string, unknown, number][] = [
      // [token, method, path, body, expected status]
      [P, 'GET', '/sessions', undefined, 403],
      [P, 'POST', '/sessions', {}, 403],
      [P, 'GET', '/daemon/status', undefined, 403],
      [P, 'POST', '/runs', { session_id: ids.A, prompt: 'echo x' }, 403],
      [P, 'POST', `/runs/${ids.P}/transition`, { state: 'failed' }, 403],
      [P, 'GET', `/sessions/${ids.B}`, undefined, 404],
      [P, 'GET', `/sessions/${ids.B}/events`, undefined, 404],
      [P, 'GET', `/runs/${ids.BR}`, undefined, 404],
      [P, 'POST', `/runs/${ids.BR}/spawn`, { task: 'echo x' }, 404],
      [P, 'POST', `/sessions/${ids.B}/send`, { text: 'echo x' }, 404],
      [P, 'POST', `/sessions/${ids.B}/messages`, { text: 'echo x' }, 404],
      [P, 'POST', `/runs/${ids.BR}/cancel`, undefined, 404],
      [P, 'POST', `/runs/${ids.CR}/spawn`, { task: 'echo x' }, 403],
      [P, 'POST', `/sessions/${ids.A}/send`, { text: 'echo x' }, 403],
      [P, 'POST', `/sessions/${ids.A}/messages`, { text: 'echo x' }, 403],
      [P, 'POST', `/sessions/${ids.C}/spawn`, { task: 'echo x' }, 403],
      [C, 'POST', `/sessions/${ids.A}/send`, { text: 'echo x' }, 403],
      [C, 'POST', `/runs/${ids.P}/reply-parent`, { text: 'x', request_kind: 'question' }, 403],
      [C, 'POST', `/runs/${ids.P}/cancel`, undefined, 403],
      [E, 'GET', `/sessions/${ids.B}`, undefined, 401],
      [E, 'POST', `/sessions/${ids.B}/spawn`, { task: 'echo x' }, 401],
      ['', 'GET', `/sessions/${ids.A}`, undefined, 401],
      ['agt_forged', 'GET', `/sessions/${ids.A}`, undefined, 401],
    ];
    const before = await snapshot();
    for (const [token, method, path, body, status] of cases) {
      const res = await d.api(method, path, { ...(token && { token }), ...(body !== undefined && { body }) });
      expect(res.status, `${token.slice(0, 8)} ${method} ${path}`).toBe(status);
      if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(await snapshot()).toBe(before);
    expect((await d.api('GET', `/sessions/${ids.B}`, { token: E })).body.code).toBe('token_expired');
  });

  it('allows reads anywhere in its tree, spawn and reply-parent from its own run, send and respond below it', async () => {
    const P = env.P!.AGENTD_TOKEN!;
    const C = env.C!.AGENTD_TOKEN!;
    for (const path of [`/sessions/${ids.A}`, `/sessions/${ids.C}`, `/sessions/${ids.C}/events`, `/runs/${ids.P}`, `/runs/${ids.CR}`, `/runs/${ids.CR}/wait?timeout_s=0`, `/runs/${ids.CR}/diagnose`, `/sessions/${ids.A}/requests`]) {
      expect((await d.api('GET', path, { token: P })).status, path).toBe(200);
      expect((await d.api('GET', path, { token: C })).status, `child ${path}`).toBe(200);
    }
    const esc = await d.api('POST', `/runs/${ids.CR}/reply-parent`, { token: C, body: { text: 'may I?', request_kind: 'permission_request' } });
    expect(esc.status).toBe(201);
    expect((await d.api('POST', `/requests/${esc.body.request.id}/respond`, { token: C, body: { text: 'echo self-approved' } })).status).toBe(403);
    const answer = await d.api('POST', `/requests/${esc.body.request.id}/respond`, { token: P, body: { text: 'echo yes you may' } });
    expect(answer.status).toBe(201);
    expect(answer.body.run.session_id).toBe(ids.C);
    const sent = await d.api('POST', `/sessions/${ids.C}/send`, { token: P, body: { text: 'echo more work' } });
    expect(sent.status).toBe(201);
    const spawned = await d.api('POST', `/runs/${ids.P}/spawn`, { token: P, body: { task: 'echo sibling' } });
    expect(spawned.status).toBe(201);
    expect(spawned.body.session.parent_run_id).toBe(ids.P);
    const cancel = await d.api('POST', `/runs/${spawned.body.run.id}/cancel`, { token: P });
    expect(cancel.status).toBe(200);
    // Operators keep full access to their own sessions.
    for (const path of [`/sessions/${ids.A}`, `/sessions/${ids.C}`, `/sessions/${ids.B}`, '/daemon/status', '/sessions']) {
      expect((await op('GET', path)).status, path).toBe(200);
    }
  });

  it('agentctl tool commands work from the agent environment alone (AGENTD_URL, AGENTD_TOKEN, AGENTD_RUN_ID)', async () => {
    const agentEnv = { AGENTD_URL: env.P!.AGENTD_URL!, AGENTD_TOKEN: env.P!.AGENTD_TOKEN!, AGENTD_RUN_ID: env.P!.AGENTD_RUN_ID! };
    const spawn = await agentctl(['tool', 'session-spawn', '--task', 'echo via agentctl'], agentEnv);
    expect(spawn.code).toBe(0);
    const result = JSON.parse(spawn.stdout);
    expect(result.session.parent_run_id).toBe(ids.P);
    const wait = await agentctl(['tool', 'session-wait', '--run-id', result.run.id], agentEnv);
    expect(wait.code).toBe(0);
    expect(JSON.parse(wait.stdout).run.final_text).toBe('via agentctl');
    const childEnv = { AGENTD_URL: env.C!.AGENTD_URL!, AGENTD_TOKEN: env.C!.AGENTD_TOKEN!, AGENTD_RUN_ID: env.C!.AGENTD_RUN_ID! };
    const reply = await agentctl(['tool', 'session-reply-parent', '--text', 'status: fine', '--request-kind', 'progress'], childEnv);
    expect(reply.code).toBe(0);
    expect(JSON.parse(reply.stdout).request.parent_session_id).toBe(ids.A);
    const list = await agentctl(['requests', 'list', '--session-id', ids.A!, '--format', 'json'], agentEnv);
    expect(JSON.parse(list.stdout).requests.some((r: any) => r.text === 'status: fine')).toBe(true);
    const denied = await agentctl(['session', 'list'], agentEnv);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('forbidden');
  });

  it('no token ever reaches the event log', async () => {
    const logs = await Promise.all([ids.A, ids.B, ids.C].map(async (s) => JSON.stringify((await op('GET', `/sessions/${s}/events?limit=1000`)).body)));
    for (const token of [env.P!.AGENTD_TOKEN!, env.C!.AGENTD_TOKEN!, env.E!.AGENTD_TOKEN!, OP]) {
      for (const log of logs) expect(log).not.toContain(token);
    }
  });

  it('a token stops working the moment its run ends', async () => {
    writeFileSync(join(d.dir, 'c.json.release'), 'go');
    expect((await op('GET', `/runs/${ids.CR}/wait?timeout_s=30`)).body.run.state).toBe('completed');
    const res = await d.api('GET', `/sessions/${ids.C}`, { token: env.C!.AGENTD_TOKEN });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('token_expired');
    writeFileSync(join(d.dir, 'p.json.release'), 'go');
  });
});
