import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('agent-to-agent as an operator', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ maxDepth: 2, maxChildrenPerRun: 2 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  const events = async (sessionId: string) => (await d.api('GET', `/sessions/${sessionId}/events?limit=1000`)).body.events as any[];
  const wait = async (runId: string) => (await d.api('GET', `/runs/${runId}/wait?timeout_s=30`)).body.run;
  async function parentRun() {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session;
    const run = (await d.api('POST', `/sessions/${session.id}/messages`, { body: { text: 'echo parent' } })).body.run;
    await wait(run.id);
    return { session, run };
  }

  it('POST /runs/:id/spawn creates a child under the run, runs its task, and announces child.completed once', async () => {
    const { session: parent, run } = await parentRun();
    const res = await d.api('POST', `/runs/${run.id}/spawn`, { body: { task: 'echo child says hi', title: 'kid' } });
    expect(res.status).toBe(201);
    const { session: child, run: childRun } = res.body;
    expect(child).toMatchObject({ parent_session_id: parent.id, parent_run_id: run.id, root_session_id: parent.root_session_id, depth: 1, provider: 'command', cwd: parent.cwd, title: 'kid' });
    expect(childRun).toMatchObject({ session_id: child.id, prompt: 'echo child says hi', parent_run_id: run.id, state: 'queued' });
    expect((await wait(childRun.id)).final_text).toBe('child says hi');

    const parentEvents = await events(parent.id);
    expect(parentEvents.filter((e) => e.type === 'child.spawned').map((e) => e.data.session.id)).toEqual([child.id]);
    const announced = parentEvents.filter((e) => e.type === 'child.completed');
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ run_id: run.id, data: { child_session_id: child.id, child_run_id: childRun.id, state: 'completed', final_text: 'child says hi' } });
  });

  it('a failed child run is announced with its state and error', async () => {
    const { session: parent, run } = await parentRun();
    const child = (await d.api('POST', `/runs/${run.id}/spawn`, { body: { task: 'fail 2' } })).body;
    expect((await wait(child.run.id)).state).toBe('failed');
    const announced = (await events(parent.id)).filter((e) => e.type === 'child.completed');
    expect(announced.map((e) => e.data.state)).toEqual(['failed']);
    expect(announced[0].data.error).toContain('exited with code 2');
  });

  it("the seed's escalation flow: reply-parent → parent sees it → session-send answers it → the child's next run gets the text", async () => {
    const { session: parent, run } = await parentRun();
    const child = (await d.api('POST', `/runs/${run.id}/spawn`, { body: { task: 'echo working' } })).body;
    await wait(child.run.id);
    const esc = await d.api('POST', `/runs/${child.run.id}/reply-parent`, { body: { text: 'Need approval to run: rm -rf ./tmp-cache', request_kind: 'approval_request' } });
    expect(esc.status).toBe(201);
    const request = esc.body.request;
    expect(request).toMatchObject({ parent_session_id: parent.id, child_session_id: child.session.id, child_run_id: child.run.id, kind: 'approval_request', state: 'open' });
    expect(esc.body.message).toMatchObject({ session_id: parent.id, request_id: request.id, text: 'Need approval to run: rm -rf ./tmp-cache' });

    const parentEvents = await events(parent.id);
    const seen = parentEvents.find((e) => e.type === 'child.request');
    expect(seen.data.request.id).toBe(request.id);
    expect(parentEvents.find((e) => e.type === 'message.created' && e.data.message.request_id === request.id)).toBeDefined();
    expect((await d.api('GET', `/sessions/${parent.id}/requests?state=open`)).body.requests.map((r: any) => r.id)).toEqual([request.id]);

    const sent = await d.api('POST', `/sessions/${child.session.id}/send`, { body: { text: 'echo Approved. Proceed with cleanup only in ./tmp-cache.' } });
    expect(sent.status).toBe(201);
    expect(sent.body.answered.map((r: any) => r.id)).toEqual([request.id]);
    const answered = (await d.api('GET', `/requests/${request.id}`)).body.request;
    expect(answered).toMatchObject({ state: 'answered', answer_message_id: sent.body.message.id, answer_run_id: sent.body.run.id });
    expect((await wait(sent.body.run.id)).final_text).toBe('Approved. Proceed with cleanup only in ./tmp-cache.');
    expect((await events(parent.id)).filter((e) => e.type === 'request.answered').map((e) => e.data.request.id)).toEqual([request.id]);
    expect((await d.api('GET', `/sessions/${parent.id}/requests?state=open`)).body.requests).toEqual([]);
  });

  it('POST /requests/:id/respond answers one request; answering it twice is a 409; progress is noted', async () => {
    const { run } = await parentRun();
    const child = (await d.api('POST', `/runs/${run.id}/spawn`, { body: { task: 'echo q' } })).body;
    await wait(child.run.id);
    const progress = (await d.api('POST', `/runs/${child.run.id}/reply-parent`, { body: { text: '50% done', request_kind: 'progress' } })).body.request;
    expect(progress.state).toBe('noted');
    const question = (await d.api('POST', `/runs/${child.run.id}/reply-parent`, { body: { text: 'Which branch?', request_kind: 'question' } })).body.request;
    const answer = await d.api('POST', `/requests/${question.id}/respond`, { body: { text: 'echo main' }, headers: { 'idempotency-key': 'respond-once' } });
    expect(answer.status).toBe(201);
    // A retry replays that answer — the request, not the list sendToSession would give (it was a 500).
    const retry = await d.api('POST', `/requests/${question.id}/respond`, { body: { text: 'echo main' }, headers: { 'idempotency-key': 'respond-once' } });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(answer.body);
    expect(answer.body.request).toMatchObject({ id: question.id, state: 'answered', answer_text: 'echo main' });
    expect(answer.body.message.request_id).toBe(question.id);
    expect((await wait(answer.body.run.id)).final_text).toBe('main');
    const again = await d.api('POST', `/requests/${question.id}/respond`, { body: { text: 'echo other' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('request_already_answered');
    expect((await d.api('GET', '/requests/req_missing')).status).toBe(404);
  });

  it('reply-parent from a run with no parent session is refused and writes nothing', async () => {
    const { session, run } = await parentRun();
    const before = (await events(session.id)).length;
    const res = await d.api('POST', `/runs/${run.id}/reply-parent`, { body: { text: 'hello?', request_kind: 'question' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('no_parent_session');
    expect((await events(session.id)).length).toBe(before);
    const bad = await d.api('POST', `/runs/${run.id}/reply-parent`, { body: { text: 'x', request_kind: 'gossip' } });
    expect(bad.status).toBe(400);
  });

  it('retried spawn, send and reply-parent with the same idempotency key have one effect', async () => {
    const { session: parent, run } = await parentRun();
    const spawnBody = { task: 'echo once', idempotency_key: 'spawn-1' };
    const s1 = await d.api('POST', `/runs/${run.id}/spawn`, { body: spawnBody });
    const s2 = await d.api('POST', `/runs/${run.id}/spawn`, { body: spawnBody });
    expect(s2.body).toEqual(s1.body);
    expect((await events(parent.id)).filter((e) => e.type === 'child.spawned')).toHaveLength(1);
    await wait(s1.body.run.id);

    const r1 = await d.api('POST', `/runs/${s1.body.run.id}/reply-parent`, { body: { text: 'ok?', request_kind: 'question', idempotency_key: 'reply-1' } });
    const r2 = await d.api('POST', `/runs/${s1.body.run.id}/reply-parent`, { body: { text: 'ok?', request_kind: 'question', idempotency_key: 'reply-1' } });
    expect(r2.body).toEqual(r1.body);
    expect((await d.api('GET', `/sessions/${parent.id}/requests`)).body.requests).toHaveLength(1);

    const m1 = await d.api('POST', `/sessions/${s1.body.session.id}/send`, { body: { text: 'echo yes', idempotency_key: 'send-1' } });
    const m2 = await d.api('POST', `/sessions/${s1.body.session.id}/send`, { body: { text: 'echo yes', idempotency_key: 'send-1' } });
    expect(m2.body).toEqual(m1.body);
    expect((await events(s1.body.session.id)).filter((e) => e.type === 'run.queued')).toHaveLength(2);
    const reused = await d.api('POST', `/sessions/${s1.body.session.id}/send`, { body: { text: 'echo no', idempotency_key: 'send-1' } });
    expect(reused.status).toBe(422);
  });

  it('max depth and max children per run are enforced with a clear error, creating nothing', async () => {
    const { session: root, run } = await parentRun();
    const a = (await d.api('POST', `/runs/${run.id}/spawn`, { body: { task: 'echo a' } })).body;
    await d.api('POST', `/runs/${run.id}/spawn`, { body: { task: 'echo b' } });
    const third = await d.api('POST', `/runs/${run.id}/spawn`, { body: { task: 'echo c' } });
    expect(third.status).toBe(422);
    expect(third.body).toMatchObject({ code: 'limit_exceeded', limit: 'max_children', max: 2 });
    expect((await events(root.id)).filter((e) => e.type === 'child.spawned')).toHaveLength(2);

    await wait(a.run.id);
    const grandchild = (await d.api('POST', `/runs/${a.run.id}/spawn`, { body: { task: 'echo depth 2' } })).body;
    expect(grandchild.session.depth).toBe(2);
    expect(grandchild.session.root_session_id).toBe(root.id);
    await wait(grandchild.run.id);
    const tooDeep = await d.api('POST', `/runs/${grandchild.run.id}/spawn`, { body: { task: 'echo depth 3' } });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body).toMatchObject({ code: 'limit_exceeded', limit: 'max_depth' });
  });

  it('POST /sessions/:id/spawn creates a child of the session', async () => {
    const parent = (await d.api('POST', '/sessions', { body: {} })).body.session;
    const res = await d.api('POST', `/sessions/${parent.id}/spawn`, { body: { task: 'echo from session' } });
    expect(res.status).toBe(201);
    expect(res.body.session).toMatchObject({ parent_session_id: parent.id, parent_run_id: null, depth: 1 });
    expect((await wait(res.body.run.id)).final_text).toBe('from session');
    expect((await events(parent.id)).filter((e) => e.type === 'child.completed')).toHaveLength(1);
  });
});
