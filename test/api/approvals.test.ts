import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { askingAgentOptions, watchSession } from '../support/approvals.js';

/**
 * Approvals through the command provider: an agent asks, the request is recorded and announced,
 * an answer reaches the agent. State rules, idempotency, first answer wins, grants and policies.
 */
describe('approvals', () => {
  let d: TestDaemon;
  let work: string;
  beforeAll(async () => {
    d = await startTestDaemon({}, askingAgentOptions);
    work = mkdtempSync(join(d.dir, 'work-'));
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await d.close();
  });

  const session = async (body: Record<string, unknown> = {}) => (await d.api('POST', '/sessions', { body })).body.session;
  const send = async (sessionId: string, text: string) => (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text } })).body.run;
  const wait = async (runId: string) => (await d.api('GET', `/runs/${runId}/wait?timeout_s=30`)).body.run;
  const events = async (sessionId: string) => (await d.api('GET', `/sessions/${sessionId}/events?limit=1000`)).body.events as any[];
  const approvalsOf = async (runId: string) =>
    ((await d.api('GET', '/requests?limit=500')).body.requests as any[]).filter((r) => r.kind === 'approval' && r.run_id === runId);

  it('an ask is an open request announced by request.created; approving lets the agent act', async () => {
    const s = await session();
    const watch = await watchSession(d, s.id);
    const file = join(work, 'approved');
    try {
      const run = await send(s.id, `ask touch ${file}`);
      const asked = await watch.next('request.created');
      expect(asked).toMatchObject({
        kind: 'approval', state: 'open', session_id: s.id, run_id: run.id, parent_session_id: null,
        action: 'command', command: `touch ${file}`, cwd: s.cwd, reason: 'step 1',
        decisions: ['approve', 'approve_for_session', 'deny'], decision: null, answered_by: null, answered_at: null,
      });
      expect(asked.text).toBe(`run \`touch ${file}\` in ${s.cwd}`);
      expect(asked.id).toMatch(/^req_/);
      expect(existsSync(file)).toBe(false);

      // Waiting is visible: the inbox, the request, diagnose and daemon status all say so.
      expect((await d.api('GET', '/requests?state=open')).body.requests.map((r: any) => r.id)).toContain(asked.id);
      expect((await d.api('GET', `/requests/${asked.id}`)).body.request).toEqual(asked);
      const diagnostics = (await d.api('GET', `/runs/${run.id}/diagnose`)).body.diagnostics;
      expect(diagnostics.waiting_for_approval).toEqual({ request_id: asked.id, since: asked.created_at, text: asked.text });
      expect(diagnostics.likely_issue).toBe(`waiting for approval ${asked.id} since ${asked.created_at}: ${asked.text}`);
      expect((await d.api('GET', '/daemon/status')).body.open_approvals).toBeGreaterThanOrEqual(1);

      const approved = await d.api('POST', `/requests/${asked.id}/approve`);
      expect(approved.status).toBe(200);
      expect(approved.body.request).toMatchObject({
        id: asked.id, state: 'answered', decision: 'approve', message: null,
        answered_by: { kind: 'person', principal: 'local', run_id: null, rule: null },
      });
      const done = await wait(run.id);
      expect(done).toMatchObject({ state: 'completed', final_text: `approved touch ${file}` });
      expect(existsSync(file)).toBe(true);
      expect((await watch.next('request.answered')).id).toBe(asked.id);

      const order = (await events(s.id)).filter((e) => e.run_id === run.id).map((e) => e.type);
      expect(order.indexOf('request.created')).toBeLessThan(order.indexOf('request.answered'));
      expect(order.indexOf('request.answered')).toBeLessThan(order.indexOf('run.completed'));
      expect((await d.api('GET', '/requests?state=open')).body.requests.map((r: any) => r.id)).not.toContain(asked.id);
    } finally {
      watch.close();
    }
  });

  it('denying: nothing happens, and the agent is told the message', async () => {
    const s = await session();
    const watch = await watchSession(d, s.id);
    const file = join(work, 'denied');
    try {
      const run = await send(s.id, `ask touch ${file}`);
      const asked = await watch.next('request.created');
      const denied = await d.api('POST', `/requests/${asked.id}/deny`, { body: { message: 'not in this repo' } });
      expect(denied.body.request).toMatchObject({ state: 'answered', decision: 'deny', message: 'not in this repo' });
      expect((await wait(run.id)).final_text).toBe(`denied touch ${file}: not in this repo`);
      expect(existsSync(file)).toBe(false);
    } finally {
      watch.close();
    }
  });

  it('the first answer wins; later ones are 409; a retried answer with its key replays it', async () => {
    const s = await session();
    const watch = await watchSession(d, s.id);
    try {
      const run = await send(s.id, `ask touch ${join(work, 'race')}`);
      const asked = await watch.next('request.created');
      const answers = await Promise.all([
        d.api('POST', `/requests/${asked.id}/approve`, { body: { idempotency_key: 'first' } }),
        d.api('POST', `/requests/${asked.id}/deny`, { body: { idempotency_key: 'second', message: 'no' } }),
      ]);
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 409]);
      const winner = answers.find((a) => a.status === 200)!;
      const loser = answers.find((a) => a.status === 409)!;
      expect(loser.body).toMatchObject({ code: 'request_already_answered', request_state: 'answered', decision: winner.body.request.decision });

      const route = winner.body.request.decision === 'approve' ? 'approve' : 'deny';
      const body = route === 'approve' ? { idempotency_key: 'first' } : { idempotency_key: 'second', message: 'no' };
      const replay = await d.api('POST', `/requests/${asked.id}/${route}`, { body });
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(winner.body);
      const reused = await d.api('POST', `/requests/${asked.id}/${route}`, { body: { ...body, message: 'something else' } });
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('idempotency_key_reused');
      await wait(run.id);
      const answered = (await events(s.id)).filter((e) => e.type === 'request.answered');
      expect(answered).toHaveLength(1);
    } finally {
      watch.close();
    }
  });

  it('the same ask key asked twice within a run is one approval, and both asks get its answer', async () => {
    const s = await session();
    const watch = await watchSession(d, s.id);
    try {
      const run = await send(s.id, 'ask-same make deploy');
      const asked = await watch.next('request.created');
      await d.api('POST', `/requests/${asked.id}/approve`);
      expect((await wait(run.id)).final_text).toBe('approve approve');
      expect((await approvalsOf(run.id)).map((r) => r.id)).toEqual([asked.id]);
      expect((await events(s.id)).filter((e) => e.type === 'request.created')).toHaveLength(1);
    } finally {
      watch.close();
    }
  });

  it('approve for the session: the same command prefix stops asking there, durably; others still ask', async () => {
    const s = await session();
    const watch = await watchSession(d, s.id);
    const [a, b] = [join(work, 'grant-a'), join(work, 'grant-b')];
    try {
      const run = await send(s.id, `ask touch ${a} ;; touch ${a} ${b} ;; rm ${a}`);
      const first = await watch.next('request.created');
      const granted = await d.api('POST', `/requests/${first.id}/approve`, { body: { for_session: true } });
      expect(granted.body.request.decision).toBe('approve_for_session');
      // The second command extends the granted prefix: answered at once. The third is another command.
      const third = await watch.next('request.created');
      expect(third.command).toBe(`rm ${a}`);
      await d.api('POST', `/requests/${third.id}/deny`);
      expect((await wait(run.id)).final_text).toBe(`denied rm ${a}: denied by a person`);
      expect(existsSync(b)).toBe(true);
      const asked = await approvalsOf(run.id);
      expect(asked.map((r) => [r.command, r.answered_by.kind])).toEqual([
        [`touch ${a}`, 'person'], [`touch ${a} ${b}`, 'session_grant'], [`rm ${a}`, 'person'],
      ]);
      expect(asked[1].answered_by.rule).toBe(`touch ${a}`);

      // Remembered for the session, not the run; another session still asks.
      const again = await send(s.id, `ask touch ${a}`);
      expect((await wait(again.id)).final_text).toBe(`approved touch ${a}`);
      const other = await session();
      const otherWatch = await watchSession(d, other.id);
      try {
        const otherRun = await send(other.id, `ask touch ${a}`);
        const asking = await otherWatch.next('request.created');
        await d.api('POST', `/requests/${asking.id}/deny`, { body: { message: 'separate session' } });
        expect((await wait(otherRun.id)).final_text).toBe(`denied touch ${a}: separate session`);
      } finally {
        otherWatch.close();
      }
    } finally {
      watch.close();
    }
  });

  it('policy auto approves without asking and records it; deny refuses; both say who decided', async () => {
    const auto = await session({ approval_policy: 'auto' });
    expect(auto.approval_policy).toBe('auto');
    const file = join(work, 'auto');
    const run = await send(auto.id, `ask touch ${file}`);
    expect((await wait(run.id)).final_text).toBe(`approved touch ${file}`);
    const [recorded] = await approvalsOf(run.id);
    expect(recorded).toMatchObject({ state: 'answered', decision: 'approve', answered_by: { kind: 'policy', rule: 'auto' } });
    const types = (await events(auto.id)).map((e) => e.type);
    expect(types).toContain('request.answered');
    expect(types).not.toContain('request.created');

    const deny = await session({ approval_policy: 'deny' });
    const refused = await send(deny.id, `ask touch ${join(work, 'deny')}`);
    expect((await wait(refused.id)).final_text).toMatch(/^denied touch .*: denied by the session's approval policy \(deny\)/);
    expect(existsSync(join(work, 'deny'))).toBe(false);
  });

  it('allow rules never ask — a tool name or a command prefix — but never cover a compound command', async () => {
    const s = await session({ approval_allow: ['Read', 'touch', ' touch '] });
    expect(s.approval_allow).toEqual(['Read', 'touch']);
    const file = join(work, 'allowed');
    const run = await send(s.id, `ask touch ${file}`);
    expect((await wait(run.id)).final_text).toBe(`approved touch ${file}`);
    expect((await approvalsOf(run.id))[0].answered_by).toEqual({ kind: 'rule', rule: 'touch', principal: null, run_id: null });
    const tool = await send(s.id, 'ask-tool Read {"file_path":"/etc/hostname"}');
    expect((await wait(tool.id)).final_text).toBe('approve Read');

    const watch = await watchSession(d, s.id);
    try {
      const sneaky = await send(s.id, `ask touch ${join(work, 'x')}; rm -rf ${work}`);
      const asked = await watch.next('request.created');
      expect(asked.command).toBe(`touch ${join(work, 'x')}; rm -rf ${work}`);
      await d.api('POST', `/requests/${asked.id}/deny`);
      await wait(sneaky.id);
    } finally {
      watch.close();
    }
  });

  it('bad answers are refused with a problem and change nothing', async () => {
    const s = await session();
    const watch = await watchSession(d, s.id);
    try {
      const run = await send(s.id, 'ask-tool Write {"file_path":"a.txt"}');
      const asked = await watch.next('request.created');
      expect(asked.decisions).toEqual(['approve', 'deny']);
      const notOffered = await d.api('POST', `/requests/${asked.id}/approve`, { body: { for_session: true } });
      expect(notOffered.status).toBe(422);
      expect(notOffered.body).toMatchObject({ code: 'decision_not_offered', decisions: ['approve', 'deny'] });
      expect((await d.api('POST', `/requests/${asked.id}/approve`, { body: { forever: true } })).status).toBe(400);
      expect((await d.api('POST', `/requests/${asked.id}/deny`, { body: { message: '' } })).status).toBe(400);
      expect((await d.api('POST', `/requests/${asked.id}/respond`, { body: { text: 'yes' } })).body.code).toBe('wrong_request_kind');
      expect((await d.api('POST', '/requests/req_nope/approve')).status).toBe(404);
      expect((await d.api('GET', '/requests?state=pending')).status).toBe(400);
      expect((await d.api('GET', `/requests/${asked.id}`)).body.request.state).toBe('open');
      expect((await d.api('POST', `/requests/${asked.id}/approve`)).status).toBe(200);
      expect((await wait(run.id)).final_text).toBe('approve Write');
    } finally {
      watch.close();
    }
  });
});
