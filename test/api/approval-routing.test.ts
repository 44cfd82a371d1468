import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { askingAgentOptions, watchSession } from '../support/approvals.js';
import { waitForFile } from '../support/files.js';
import { agentctl } from '../support/processes.js';

const OP = 'operator-token';

/**
 * Routing and the permission matrix: a child session's approvals go to its parent session, where
 * the parent agent answers them with its run token (only below its own session); the asking run
 * may not answer itself; a root session's approvals are its owner's; a person may answer any.
 */
describe('approval routing and permissions', () => {
  let d: TestDaemon;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  const envs: Record<string, Record<string, string>> = {};
  const op = (method: string, path: string, body?: unknown) => d.api(method, path, { token: OP, ...(body !== undefined && { body }) });
  const as = (token: string, method: string, path: string, body?: unknown) => d.api(method, path, { token, ...(body !== undefined && { body }) });
  const wait = async (runId: string) => (await op('GET', `/runs/${runId}/wait?timeout_s=30`)).body.run;

  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP] }, askingAgentOptions);
    // A: a root session whose run P stays alive (its token is the parent agent's); F: a foreign tree.
    ids.A = (await op('POST', '/sessions', {})).body.session.id;
    ids.F = (await op('POST', '/sessions', {})).body.session.id;
    for (const [name, session] of [['P', ids.A], ['F', ids.F]] as const) {
      const file = join(d.dir, `${name}.json`);
      ids[`${name}run`] = (await op('POST', `/sessions/${session}/messages`, { text: `env-to-file ${file}` })).body.run.id;
      envs[name] = JSON.parse(await waitForFile(file));
      tokens[name] = envs[name]!.AGENTD_TOKEN!;
    }
  });
  afterAll(async () => {
    for (const name of ['P', 'F']) writeFileSync(join(d.dir, `${name}.json.release`), 'go');
    await d.close();
  });

  it("a child's approval goes to its parent session, where the parent agent answers it; the child cannot", async () => {
    const parentWatch = await watchSession(d, ids.A!, OP);
    const [first, second] = [join(d.dir, 'child-1'), join(d.dir, 'child-2')];
    try {
      const childEnvFile = join(d.dir, 'C.json');
      const spawned = await as(tokens.P!, 'POST', `/runs/${ids.Prun}/spawn`, { task: `env-then ${childEnvFile} ask touch ${first} ;; touch ${second}` });
      expect(spawned.status).toBe(201);
      const child = spawned.body.session;
      const sibling = (await as(tokens.P!, 'POST', `/runs/${ids.Prun}/spawn`, { task: `env-then ${join(d.dir, 'S.json')} ask touch ${join(d.dir, 'sibling')}` })).body;
      const childToken = JSON.parse(await waitForFile(childEnvFile)).AGENTD_TOKEN as string;
      const siblingToken = JSON.parse(await waitForFile(join(d.dir, 'S.json'))).AGENTD_TOKEN as string;

      const asked = await parentWatch.next('child.request');
      const request = asked.run_id === spawned.body.run.id ? asked : await parentWatch.next('child.request');
      expect(request).toMatchObject({ kind: 'approval', state: 'open', session_id: child.id, parent_session_id: ids.A, command: `touch ${first}` });
      const addressed = (await as(tokens.P!, 'GET', `/sessions/${ids.A}/requests?state=open`)).body.requests.map((r: any) => r.id);
      expect(addressed).toContain(request.id);

      // Inboxes: the parent agent sees its children's; the asking child and a foreign agent do not.
      const inbox = async (token: string) => (await as(token, 'GET', '/requests?state=open')).body.requests.map((r: any) => r.id);
      expect(await inbox(tokens.P!)).toContain(request.id);
      expect(await inbox(childToken)).not.toContain(request.id);
      expect(await inbox(tokens.F!)).toEqual([]);
      expect(await inbox(OP)).toContain(request.id);

      // The matrix: self, sibling and foreign tokens are refused and change nothing.
      const self = await as(childToken, 'POST', `/requests/${request.id}/approve`);
      expect([self.status, self.body.code]).toEqual([403, 'forbidden']);
      const fromSibling = await as(siblingToken, 'POST', `/requests/${request.id}/approve`);
      expect([fromSibling.status, fromSibling.body.code]).toEqual([403, 'forbidden']);
      const foreign = await as(tokens.F!, 'POST', `/requests/${request.id}/deny`);
      expect([foreign.status, foreign.body.code]).toEqual([404, 'request_not_found']);
      expect((await as(tokens.F!, 'GET', `/requests/${request.id}`)).status).toBe(404);
      expect((await op('GET', `/requests/${request.id}`)).body.request.state).toBe('open');

      // The parent agent answers with agentctl from its own environment, as SKILL.md shows.
      const agentEnv = { AGENTD_URL: envs.P!.AGENTD_URL!, AGENTD_TOKEN: tokens.P!, AGENTD_RUN_ID: envs.P!.AGENTD_RUN_ID! };
      const listed = await agentctl(['requests', 'list', '--state', 'open'], agentEnv);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`${request.id}  open       approval`);
      const approved = await agentctl(['--format', 'json', 'requests', 'approve', request.id], agentEnv);
      expect(approved.code, approved.stderr).toBe(0);
      expect(JSON.parse(approved.stdout).request.answered_by).toEqual({ kind: 'agent', principal: expect.stringMatching(/^op_/), run_id: ids.Prun, rule: null });
      expect((await parentWatch.next('request.answered')).id).toBe(request.id);

      // A person answers the child's next ask from the inbox.
      const next = await parentWatch.next('child.request');
      const nextRequest = next.session_id === child.id ? next : await parentWatch.next('child.request');
      const denied = await agentctl(['requests', 'deny', nextRequest.id, '--message', 'one file is enough'], { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: OP });
      expect(denied.code, denied.stderr).toBe(0);
      expect(denied.stdout).toContain(`${nextRequest.id} answered (deny)`);
      expect((await wait(spawned.body.run.id)).final_text).toBe(`denied touch ${second}: one file is enough`);
      expect([existsSync(first), existsSync(second)]).toEqual([true, false]);

      const siblingRequest = (await op('GET', `/sessions/${ids.A}/requests?state=open`)).body.requests.find((r: any) => r.session_id === sibling.session.id);
      await op('POST', `/requests/${siblingRequest.id}/deny`);
      await wait(sibling.run.id);
    } finally {
      parentWatch.close();
    }
  });

  it("a root session's approval is its owner's: its own run and other trees cannot answer it", async () => {
    const root = (await op('POST', '/sessions', {})).body.session.id;
    const watch = await watchSession(d, root, OP);
    try {
      const envFile = join(d.dir, 'R.json');
      const run = (await op('POST', `/sessions/${root}/messages`, { text: `env-then ${envFile} ask touch ${join(d.dir, 'root')}` })).body.run;
      const rootToken = JSON.parse(await waitForFile(envFile)).AGENTD_TOKEN as string;
      const request = await watch.next('request.created');
      expect(request.parent_session_id).toBeNull();
      expect((await as(rootToken, 'POST', `/requests/${request.id}/approve`)).status).toBe(403);
      expect((await as(tokens.P!, 'POST', `/requests/${request.id}/approve`)).status).toBe(404);
      const answered = await op('POST', `/requests/${request.id}/approve`, {});
      expect(answered.body.request.answered_by).toMatchObject({ kind: 'person', principal: expect.stringMatching(/^op_/) });
      expect((await wait(run.id)).state).toBe('completed');
    } finally {
      watch.close();
    }
  });

  it('a child inherits its parent session\'s approval policy and rules', async () => {
    const strict = (await op('POST', '/sessions', { approval_policy: 'deny', approval_allow: ['git status'] })).body.session;
    const child = (await op('POST', `/sessions/${strict.id}/spawn`, { task: 'echo hi' })).body;
    expect(child.session).toMatchObject({ approval_policy: 'deny', approval_allow: ['git status'] });
    await wait(child.run.id);
  });

  it('escalations keep their own answer: approve on one is refused, respond still works', async () => {
    const { run, session } = (await as(tokens.P!, 'POST', `/runs/${ids.Prun}/spawn`, { task: 'echo ready' })).body;
    await wait(run.id);
    const escalation = (await op('POST', `/runs/${run.id}/reply-parent`, { text: 'Need approval to run: rm -rf ./tmp-cache', request_kind: 'approval_request' })).body.request;
    const wrong = await op('POST', `/requests/${escalation.id}/approve`);
    expect([wrong.status, wrong.body.code, wrong.body.kind]).toEqual([409, 'wrong_request_kind', 'approval_request']);
    const listed = (await op('GET', '/requests?state=open')).body.requests.map((r: any) => r.id);
    expect(listed).toContain(escalation.id);
    const answer = await op('POST', `/requests/${escalation.id}/respond`, { text: 'echo approved' });
    expect(answer.status).toBe(201);
    expect(answer.body.run.session_id).toBe(session.id);
    expect((await wait(answer.body.run.id)).final_text).toBe('approved');
  });
});
