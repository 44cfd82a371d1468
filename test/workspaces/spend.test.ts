/**
 * Usage and budgets with the command provider: a script reports usage with a documented line;
 * runs, sessions (with children) and the daemon total it; a session over budget takes no new run,
 * and the run that crossed the limit was let finish and announced.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { workspaceAgentOptions } from '../support/git-repo.js';
import { waitUntil } from '../support/wait.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon({}, workspaceAgentOptions);
});
afterAll(async () => {
  await d?.close();
});

const usage = (fields: Record<string, unknown>) => `usage ${JSON.stringify(fields)}`;
const newSession = async (body: Record<string, unknown> = {}) => (await d.api('POST', '/sessions', { body: { cwd: d.dir, ...body } })).body.session;
const turn = async (sessionId: string, text: string) => {
  const posted = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text } });
  expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  return (await d.api('GET', `/runs/${posted.body.run.id}/wait?timeout_s=60`)).body.run;
};
const events = async (sessionId: string, type: string) =>
  (await d.api('GET', `/sessions/${sessionId}/events?limit=1000`)).body.events.filter((e: any) => e.type === type);

describe('usage of a run', () => {
  it('comes from usage lines (summed, not text); a cost the script gives is reported', async () => {
    const s = await newSession();
    const run = await turn(s.id, [
      usage({ input_tokens: 1000, cached_input_tokens: 200, output_tokens: 300, reasoning_tokens: 50, cost_usd: 0.01, model: 'some-model' }),
      'working',
      usage({ input_tokens: 500, output_tokens: 100, cost_usd: 0.005 }),
      'done',
    ].join(' ; '));
    expect(run.state).toBe('completed');
    expect(run.final_text).toBe('done');
    expect(run.usage).toEqual({
      input_tokens: 1500,
      cached_input_tokens: 200,
      output_tokens: 400,
      reasoning_tokens: 50,
      total_tokens: 1900,
      model: 'some-model',
      cost_usd: 0.015,
      cost_source: 'reported',
      reported: { input_tokens: 1500, cached_input_tokens: 200, output_tokens: 400, reasoning_tokens: 50, cost_usd: 0.015, model: 'some-model' },
    });
    expect(run.cost_usd).toBe(0.015);
    const texts = (await events(s.id, 'run.item')).map((e: any) => e.data.item.text);
    expect(texts).toEqual(['working', 'done']);
    // run get shows the same
    expect((await d.api('GET', `/runs/${run.id}`)).body.run.usage).toEqual(run.usage);
  });

  it('is estimated from the dated price table when only tokens and a priced model are given', async () => {
    const s = await newSession();
    const run = await turn(s.id, usage({ input_tokens: 1_000_000, cached_input_tokens: 400_000, output_tokens: 100_000, model: 'gpt-5' }));
    // gpt-5: $1.25 per 1M input, $0.125 per 1M cached input, $10 per 1M output.
    expect(run.usage).toMatchObject({ cost_usd: 0.6 * 1.25 + 0.4 * 0.125 + 0.1 * 10, cost_source: 'estimated', model: 'gpt-5' });
    const unpriced = await turn(s.id, usage({ input_tokens: 10, output_tokens: 5, model: 'no-such-model' }));
    expect(unpriced.usage).toMatchObject({ total_tokens: 15, cost_usd: null, cost_source: null });
    const report = (await d.api('GET', `/sessions/${s.id}`)).body;
    expect(report.usage.own).toMatchObject({ runs: 2, total_tokens: 1_100_015, estimated: true, runs_without_cost: 1 });
  });

  it('a run that reports nothing has no usage', async () => {
    const s = await newSession();
    const run = await turn(s.id, 'pwd');
    expect(run.usage).toBeNull();
    expect((await d.api('GET', `/sessions/${s.id}`)).body.usage.own.runs).toBe(0);
  });
});

describe('totals', () => {
  it("per session, alone and with its children; per caller with --since and a session; and the daemon's", async () => {
    const parent = await newSession({ title: 'parent' });
    const started = new Date().toISOString();
    await turn(parent.id, usage({ input_tokens: 100, output_tokens: 10, cost_usd: 0.1 }));
    const spawned = (await d.api('POST', `/sessions/${parent.id}/spawn`, { body: { task: usage({ input_tokens: 40, output_tokens: 4, cost_usd: 0.04 }) } })).body;
    await d.api('GET', `/runs/${spawned.run.id}/wait?timeout_s=60`);

    const report = (await d.api('GET', `/sessions/${parent.id}`)).body;
    expect(report.usage.own).toMatchObject({ runs: 1, input_tokens: 100, output_tokens: 10, total_tokens: 110, cost_usd: 0.1 });
    expect(report.usage.with_children).toMatchObject({ runs: 2, input_tokens: 140, output_tokens: 14, total_tokens: 154 });
    expect(report.usage.with_children.cost_usd).toBeCloseTo(0.14, 10);
    expect(report.budget).toEqual({ max_cost_usd: null, max_tokens: null, exceeded: null });
    const child = (await d.api('GET', `/sessions/${spawned.session.id}`)).body;
    expect(child.usage.own).toEqual(child.usage.with_children);

    const tree = (await d.api('GET', `/usage?session_id=${parent.id}`)).body;
    expect(tree.totals).toMatchObject({ runs: 2, total_tokens: 154 });
    expect(tree.sessions.map((row: any) => [row.session_id, row.total_tokens]).sort()).toEqual([[parent.id, 110], [spawned.session.id, 44]].sort());
    expect(tree.session_id).toBe(parent.id);

    const since = (await d.api('GET', `/usage?since=${encodeURIComponent(started)}`)).body;
    expect(since.totals.runs).toBeGreaterThanOrEqual(2);
    const future = (await d.api('GET', `/usage?since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).body;
    expect(future.totals).toMatchObject({ runs: 0, total_tokens: 0, cost_usd: 0 });
    expect(future.sessions).toEqual([]);
    const bad = await d.api('GET', '/usage?since=yesterday');
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);

    const all = (await d.api('GET', '/usage')).body;
    const daemon = (await d.api('GET', '/daemon/status')).body.usage;
    expect(daemon).toMatchObject({ runs: all.totals.runs, total_tokens: all.totals.total_tokens, prices_as_of: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });
});

describe('budgets', () => {
  it('a run that crosses the limit is let finish and announced; then the session takes no new run (422 with the figures)', async () => {
    const s = await newSession({ max_tokens: 100 });
    expect(s.max_tokens).toBe(100);
    const first = await turn(s.id, usage({ input_tokens: 60, output_tokens: 10 }));
    expect(first.state).toBe('completed');
    expect(await events(s.id, 'session.budget_exceeded')).toEqual([]);
    const crossing = await turn(s.id, `${usage({ input_tokens: 50, output_tokens: 10 })} ; finished anyway`);
    expect(crossing).toMatchObject({ state: 'completed', final_text: 'finished anyway' });
    const announced = await events(s.id, 'session.budget_exceeded');
    expect(announced.map((e: any) => [e.run_id, e.data])).toEqual([
      [crossing.id, { limit: 'max_tokens', max: 100, spent: 130, run_id: crossing.id, run_session_id: s.id }],
    ]);
    // Just before the run's end, so `message send --follow` (which stops there) shows it.
    const log = (await d.api('GET', `/sessions/${s.id}/events?limit=1000`)).body.events.map((e: any) => e.type);
    expect(log.indexOf('run.completed', log.indexOf('session.budget_exceeded'))).toBe(log.indexOf('session.budget_exceeded') + 1);

    const before = (await d.api('GET', `/sessions/${s.id}/messages`)).body.messages.length;
    const refused = await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 'pwd' } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'budget_exceeded', session_id: s.id, limit: 'max_tokens', max: 100, spent: 130 });
    expect(refused.body.detail).toContain('130 of its 100 tokens');
    expect((await d.api('POST', '/runs', { body: { session_id: s.id, prompt: 'pwd' } })).body.code).toBe('budget_exceeded');
    expect((await d.api('POST', `/sessions/${s.id}/spawn`, { body: { task: 'pwd' } })).body.code).toBe('budget_exceeded');
    expect((await d.api('GET', `/sessions/${s.id}/messages`)).body.messages.length).toBe(before);
    expect((await d.api('GET', `/sessions/${s.id}`)).body.budget).toEqual({ max_cost_usd: null, max_tokens: 100, exceeded: 'max_tokens' });

    // Raising the limit lets it go on; `null` falls back to the daemon's (none here).
    const raised = await d.api('PUT', `/sessions/${s.id}/budget`, { body: { max_cost_usd: null, max_tokens: 1000 } });
    expect(raised.body.session.max_tokens).toBe(1000);
    expect((await turn(s.id, 'pwd')).state).toBe('completed');
    expect((await events(s.id, 'session.budget')).map((e: any) => e.data)).toEqual([{ max_cost_usd: null, max_tokens: 1000 }]);
  });

  it("the daemon's default applies to every session unless it sets its own (0: none); an ancestor's covers its children", async () => {
    const strict = await startTestDaemon({ budgets: { maxCostUsd: 0.05, maxTokens: 0 } }, workspaceAgentOptions);
    try {
      const api = strict.api.bind(strict);
      const wait = async (runId: string) => (await api('GET', `/runs/${runId}/wait?timeout_s=60`)).body.run;
      const parent = (await api('POST', '/sessions', { body: { cwd: strict.dir } })).body.session;
      const free = (await api('POST', '/sessions', { body: { cwd: strict.dir, max_cost_usd: 0 } })).body.session;
      expect((await api('GET', '/daemon/status')).body.budgets).toEqual({ max_cost_usd_per_session: 0.05, max_tokens_per_session: null });

      // The child spends; the parent's budget covers it.
      const spawned = (await api('POST', `/sessions/${parent.id}/spawn`, { body: { task: usage({ input_tokens: 1, output_tokens: 1, cost_usd: 0.06 }) } })).body;
      expect((await wait(spawned.run.id)).state).toBe('completed');
      const announced = (await api('GET', `/sessions/${parent.id}/events?limit=1000`)).body.events.filter((e: any) => e.type === 'session.budget_exceeded');
      expect(announced.map((e: any) => e.data)).toContainEqual({ limit: 'max_cost_usd', max: 0.05, spent: 0.06, run_id: spawned.run.id, run_session_id: spawned.session.id });
      const inParent = await api('POST', `/sessions/${parent.id}/messages`, { body: { text: 'pwd' } });
      expect(inParent.body).toMatchObject({ code: 'budget_exceeded', session_id: parent.id, limit: 'max_cost_usd', max: 0.05, spent: 0.06 });
      const inChild = await api('POST', `/sessions/${spawned.session.id}/messages`, { body: { text: 'pwd' } });
      expect(inChild.body).toMatchObject({ code: 'budget_exceeded', session_id: spawned.session.id });

      const spent = (await api('POST', `/sessions/${free.id}/messages`, { body: { text: usage({ cost_usd: 1 }) } })).body.run;
      await wait(spent.id);
      expect((await api('POST', `/sessions/${free.id}/messages`, { body: { text: 'pwd' } })).status).toBe(201);
    } finally {
      await strict.close();
    }
  });

  it('a run queued before the limit was reached does not start once it is: cancelled with the reason', async () => {
    const s = await newSession({ max_tokens: 10 });
    const release = join(d.dir, `release-${s.id}`);
    const first = (await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: `wait-file ${release} ; ${usage({ input_tokens: 20 })}` } })).body.run;
    await waitUntil('the first run is running', async () => (await d.api('GET', `/runs/${first.id}`)).body.run.state === 'running');
    const second = (await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 'pwd' } })).body.run;
    expect(second.state).toBe('queued');
    writeFileSync(release, '');
    expect((await d.api('GET', `/runs/${first.id}/wait?timeout_s=60`)).body.run.state).toBe('completed');
    const after = (await d.api('GET', `/runs/${second.id}/wait?timeout_s=60`)).body.run;
    expect(after.state).toBe('cancelled');
    expect(after.error).toContain('20 of its 10 tokens');
    expect(after.started_at).toBeNull();
  });

  it('a run token cannot change budgets: 403, and the limit stays', async () => {
    const s = await newSession({ max_cost_usd: 1 });
    const run = await turn(s.id, `agentctl ${JSON.stringify(['session', 'budget', '$SESSION', '--max-cost', '100'])}`);
    const result = JSON.parse(run.final_text);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('forbidden');
    expect((await d.api('GET', `/sessions/${s.id}`)).body.session.max_cost_usd).toBe(1);
  });
});
