import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationType } from '../../../src/domain/notifications.js';
import { answeredBy } from '../../../src/protocol/approvals.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

/**
 * The outbox's write side: which committed events queue which notifications, for which endpoints,
 * and that they commit (or not) with the event itself.
 */
describe('the outbox queues notifications with the events that cause them', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-outbox-'));
    store = new SqliteStore(join(dir, 'db.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = (owner = 'local', parent?: string) =>
    store.createSession({ title: `title of ${parent ? 'child' : 'root'}`, provider: 'command', cwd: dir, owner, ...(parent && { parent_session_id: parent }) });
  const endpoint = (events: NotificationType[], opts: { owner?: string; session_id?: string } = {}) =>
    store.notifications.createWebhook({ owner: opts.owner ?? 'local', url: 'https://hooks.example.com/', events, session_id: opts.session_id ?? null, description: null, secret: 'whsec_dGVzdA==' });
  const finish = async (sessionId: string, to: 'completed' | 'failed' | 'cancelled' = 'completed', text = 'all done') => {
    const run = await store.createRun(sessionId, { provider: 'command', prompt: 'p' });
    if (to !== 'cancelled') await store.transitionRun(run.id, 'running');
    return store.transitionRun(run.id, to, to === 'failed' ? { reason: 'exit 3', patch: { exit_code: 3 } } : { patch: { final_text: text } });
  };
  const received = async (webhookId: string) => {
    const deliveries = await store.notifications.listDeliveries({ webhookId, limit: 100 });
    return Promise.all(deliveries.reverse().map(async (d) => (await store.notifications.getDelivery(d.id))!.payload as any));
  };
  const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  it('queues nothing, and is not armed, while no endpoint exists', async () => {
    expect(store.notifications.outbox.armed).toBe(false);
    const s = await session();
    await finish(s.id);
    expect(count('notifications')).toBe(0);
    await endpoint(['run.completed']);
    expect(store.notifications.outbox.armed).toBe(true);
  });

  it("queues a run's end for each endpoint that wants its type, with the session title, the run and its final text", async () => {
    const completed = await endpoint(['run.completed']);
    const failed = await endpoint(['run.failed']);
    const s = await session();
    const run = await finish(s.id, 'completed', 'the answer is 42');
    const [payload, ...more] = await received(completed.id);
    expect(more).toEqual([]);
    expect(payload).toMatchObject({
      type: 'run.completed',
      data: {
        session: { id: s.id, title: 'title of root', parent_session_id: null, root_session_id: s.id },
        run: { id: run.id, state: 'completed', provider: 'command', attempt: 1 },
        request: null,
        text: 'the answer is 42',
        actions: [{ action: 'open', method: 'GET', path: `/sessions/${s.id}` }],
      },
    });
    expect(payload.data.event_id).toMatch(/^evt_/);
    expect(await received(failed.id)).toEqual([]);
    const failedRun = await finish(s.id, 'failed');
    expect((await received(failed.id)).map((p) => [p.type, p.data.run.id, p.data.text])).toEqual([['run.failed', failedRun.id, 'exit 3']]);
  });

  it('commits a notification only with its event: a write that fails leaves neither', async () => {
    await endpoint(['run.completed']);
    const s = await session();
    const run = await store.createRun(s.id, { provider: 'command', prompt: 'p' });
    const events = count('events');
    expect(() => store.write((tx) => {
      tx.emit(s.id, run.id, [{ type: 'run.completed', data: { run: { ...run, state: 'completed' }, from: 'running' } }]);
      throw new Error('the transaction fails after the event');
    })).toThrow('the transaction fails after the event');
    expect([count('events'), count('notifications'), count('deliveries')]).toEqual([events, 0, 0]);
  });

  it("follows a session filter into the session's children, and never crosses owners", async () => {
    const root = await session();
    const child = await session('local', root.id);
    const grandchild = await session('local', child.id);
    const other = await session();
    const filtered = await endpoint(['run.completed'], { session_id: child.id });
    const foreign = await endpoint(['run.completed'], { owner: 'someone-else' });
    for (const s of [root, child, grandchild, other]) await finish(s.id, 'completed', `done in ${s.id}`);
    expect((await received(filtered.id)).map((p) => p.data.session.id)).toEqual([child.id, grandchild.id]);
    expect(await received(foreign.id)).toEqual([]);
  });

  it('announces session.idle only once every run of the session has ended', async () => {
    const idle = await endpoint(['session.idle']);
    const s = await session();
    const first = await store.createRun(s.id, { provider: 'command', prompt: 'one' });
    const second = await store.createRun(s.id, { provider: 'command', prompt: 'two' });
    await store.transitionRun(first.id, 'running');
    await store.transitionRun(first.id, 'completed', { patch: { final_text: 'first' } });
    expect(await received(idle.id)).toEqual([]);
    await store.transitionRun(second.id, 'cancelled');
    const payloads = await received(idle.id);
    expect(payloads.map((p) => [p.type, p.data.run.id])).toEqual([['session.idle', second.id]]);
    expect(payloads[0].data.text).toBe('every run has ended; the last cancelled');
  });

  it("turns an approval ask into approval.requested once (a child's too) with its answers, and a child's escalation with its reply", async () => {
    const root = await session();
    const spawned = await store.spawnChild({ parentSessionId: root.id, parentRunId: null, owner: 'local', provider: 'command', cwd: dir, title: 'child', task: 'work' }, { maxDepth: 3, maxChildren: 8 });
    const hook = await endpoint(['approval.requested'], { session_id: root.id });
    await store.transitionRun(spawned.run.id, 'running');
    const ask = {
      runId: spawned.run.id, attempt: 1, action: 'command' as const, command: 'npm test', cwd: dir, tool: null, input: null,
      changes: null, reason: 'check', decisions: ['approve' as const, 'deny' as const], text: `run \`npm test\` in ${dir}`,
    };
    const { request } = await store.recordApproval({ ...ask, key: 'a1' });
    // Settled at once by a rule: nobody is asked, nobody is notified.
    await store.recordApproval({ ...ask, key: 'a2' }, { state: 'answered', decision: 'approve', message: null, answered_by: answeredBy('rule', { rule: 'npm test' }) });
    const escalation = (await store.replyParent({ runId: spawned.run.id, kind: 'question', text: 'which database?' })).request;
    await store.replyParent({ runId: spawned.run.id, kind: 'progress', text: 'half way' });

    const payloads = await received(hook.id);
    expect(payloads.map((p) => [p.type, p.data.request.id])).toEqual([['approval.requested', request.id], ['approval.requested', escalation.id]]);
    expect(payloads[0].data).toMatchObject({
      session: { id: spawned.session.id, title: 'child', parent_session_id: root.id },
      run: { id: spawned.run.id, state: 'running' },
      request: { kind: 'approval', action: 'command', command: 'npm test', cwd: dir, decisions: ['approve', 'deny'] },
      text: `run \`npm test\` in ${dir}`,
      actions: [
        { action: 'approve', method: 'POST', path: `/requests/${request.id}/approve` },
        { action: 'deny', method: 'POST', path: `/requests/${request.id}/deny` },
        { action: 'open', method: 'GET', path: `/sessions/${spawned.session.id}` },
      ],
    });
    expect(payloads[1].data).toMatchObject({
      session: { id: spawned.session.id },
      request: { kind: 'question', text: 'which database?', action: null, decisions: [] },
      text: 'which database?',
      actions: [{ action: 'respond', method: 'POST', path: `/requests/${escalation.id}/respond` }, { action: 'open' }],
    });
  });

  it('clips long texts to 500 characters', async () => {
    const hook = await endpoint(['run.completed']);
    const s = await session();
    await finish(s.id, 'completed', 'x'.repeat(10_000));
    const [payload] = await received(hook.id);
    expect(payload.data.text).toHaveLength(500);
    expect(payload.data.text.endsWith('…')).toBe(true);
  });
});
