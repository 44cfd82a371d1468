import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { openWs } from '../support/stream-clients.js';
import { liveGroupMembers as groupMembers } from '../support/process-groups.js';

/** The first run.item of the session whose text matches, awaited on a stream (it replays from the start). */
async function waitForItem(d: TestDaemon, sessionId: string, match: RegExp): Promise<any> {
  const stream = await openWs(`${d.url}/sessions/${sessionId}/stream`);
  try {
    return await stream.waitFor((f) => f.type === 'run.item' && match.test(f.data.item.text));
  } finally {
    stream.close();
  }
}

describe('cancel', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ cancelGraceMs: 500 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('a running run whose agent started a grandchild ends cancelled with no process of its group left', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'grandchild' } })).body.run;
    const item = await waitForItem(d, session, /^grandchild \d+$/);
    const grandchild = Number(item.data.item.text.split(' ')[1]);
    const pid = (await d.api('GET', `/runs/${run.id}`)).body.run.pid;
    expect(pid).toBeGreaterThan(0);
    expect(isProcessAlive(grandchild)).toBe(true);
    expect(groupMembers(pid).length).toBeGreaterThanOrEqual(2);

    const cancelled = await d.api('POST', `/runs/${run.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.run.state).toBe('cancelled');
    expect(cancelled.body.run.error).toBe('cancelled by request');
    expect(groupMembers(pid)).toEqual([]);
    expect(isProcessAlive(pid)).toBe(false);
    expect(groupMembers(pid)).not.toContain(grandchild);
    // Idempotent: a second cancel answers the same run.
    expect((await d.api('POST', `/runs/${run.id}/cancel`)).body.run.state).toBe('cancelled');
    const diag = (await d.api('GET', `/runs/${run.id}/diagnose`)).body.diagnostics;
    expect(diag.likely_issue).toContain('cancelled');
  });

  it('an agent that ignores SIGTERM is killed after the grace period', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'ignore-term' } })).body.run;
    await waitForItem(d, session, /^stubborn$/);
    const pid = (await d.api('GET', `/runs/${run.id}`)).body.run.pid;
    const res = await d.api('POST', `/runs/${run.id}/cancel`);
    expect(res.body.run.state).toBe('cancelled');
    expect(isProcessAlive(pid)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
  });

  it('cancel racing dispatch still ends the run cancelled', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push((await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'hold' } })).body.run);
    const results = await Promise.all(runs.map((r) => d.api('POST', `/runs/${r.id}/cancel`)));
    expect(results.map((r) => r.body.run.state)).toEqual(runs.map(() => 'cancelled'));
    const status = (await d.api('GET', '/daemon/status')).body;
    expect(status.busy_workers).toBe(0);
  });
});
