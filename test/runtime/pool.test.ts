import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

/** Replays every session's events in global order and returns the most runs ever running at once. */
function maxConcurrent(events: any[]): number {
  let running = 0;
  let max = 0;
  for (const e of [...events].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (e.type === 'run.running') max = Math.max(max, ++running);
    if (['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted'].includes(e.type) && e.data.from === 'running') running--;
  }
  return max;
}

describe('worker pool', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ maxConcurrency: 2 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('never runs more than --max-concurrency at once, keeps each session in order, reports queue positions, completes all', async () => {
    const release = join(d.dir, 'release');
    const sessions: string[] = [];
    const runs: { session: string; id: string; text: string }[] = [];
    for (let i = 0; i < 6; i++) sessions.push((await d.api('POST', '/sessions', { body: { title: `s${i}` } })).body.session.id);
    for (let turn = 0; turn < 2; turn++) {
      for (const session of sessions) {
        const text = turn === 0 ? `wait-file ${release}` : `echo ${session}-second`;
        const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text } })).body.run;
        runs.push({ session, id: run.id, text });
      }
    }

    // Two runs start and wait for the release file; everything else stays queued behind them.
    const status = (await d.api('GET', '/daemon/status')).body;
    expect(status.max_concurrency).toBe(2);
    expect(status.queue_counts.running_count + status.queue_counts.queued_count).toBe(12);
    expect(status.queue_counts.running_count).toBeLessThanOrEqual(2);

    const diags = await Promise.all(runs.map(async (r) => (await d.api('GET', `/runs/${r.id}/diagnose`)).body.diagnostics));
    const queued = diags.filter((x) => x.state === 'queued');
    // Positions are 1..n in the order the runs were queued.
    expect(queued.map((x) => x.queue_position)).toEqual(queued.map((_, i) => i + 1));
    for (const x of queued) {
      expect(x.alive_workers).toBe(2);
      expect(x.max_concurrency).toBe(2);
      expect(x.likely_issue).toMatch(/all 2 workers are busy|queued behind the session's own run|waiting for a worker/);
    }
    const secondTurns = diags.slice(6);
    for (const [i, x] of secondTurns.entries()) {
      if (x.state === 'queued' && diags[i]!.state === 'running') expect(x.likely_issue).toContain(`queued behind the session's own run ${runs[i]!.id}`);
    }

    writeFileSync(release, 'go');
    const done = await Promise.all(runs.map(async (r) => (await d.api('GET', `/runs/${r.id}/wait?timeout_s=60`)).body.run));
    expect(done.map((r) => r.state)).toEqual(runs.map(() => 'completed'));

    const events: any[] = [];
    for (const session of sessions) {
      const log = (await d.api('GET', `/sessions/${session}/events?limit=1000`)).body.events;
      events.push(...log);
      // Within a session, the first run ended before the second started.
      const [first, second] = runs.filter((r) => r.session === session);
      const firstEnd = log.find((e: any) => e.type === 'run.completed' && e.run_id === first!.id).seq;
      const secondStart = log.find((e: any) => e.type === 'run.running' && e.run_id === second!.id).seq;
      expect(secondStart).toBeGreaterThan(firstEnd);
    }
    expect(maxConcurrent(events)).toBe(2);
    const workerIds = new Set(done.map((r) => r.worker_id));
    expect([...workerIds].sort()).toEqual(['worker-1', 'worker-2']);
  });

  it('a message posted while the session runs queues behind it and starts as soon as the lane frees', async () => {
    const release = join(d.dir, 'release-lane');
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const first = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: `wait-file ${release}` } })).body.run;
    const second = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'echo next' } })).body.run;
    expect((await d.api('GET', `/runs/${second.id}`)).body.run.state).toBe('queued');
    writeFileSync(release, 'go');
    const a = (await d.api('GET', `/runs/${first.id}/wait?timeout_s=30`)).body.run;
    const b = (await d.api('GET', `/runs/${second.id}/wait?timeout_s=30`)).body.run;
    expect(a.state).toBe('completed');
    expect(b).toMatchObject({ state: 'completed', final_text: 'next' });
    expect(Date.parse(b.started_at)).toBeGreaterThanOrEqual(Date.parse(a.ended_at));
  });

  it('each stdout line becomes a run.item event in order', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'lines 500' } })).body.run;
    expect((await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run.final_text).toBe('line 500');
    const events = (await d.api('GET', `/sessions/${session}/events?limit=1000`)).body.events;
    const items = events.filter((e: any) => e.type === 'run.item').map((e: any) => e.data.item.text);
    expect(items).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i + 1}`));
    expect(events.map((e: any) => e.seq)).toEqual(events.map((_: any, i: number) => i + 1));
  });
});
