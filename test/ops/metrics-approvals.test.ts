import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { askingAgentOptions, watchSession } from '../support/approvals.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';

describe('approval metrics', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({}, askingAgentOptions);
  });
  afterAll(() => d.close());

  const metrics = async () => parsePrometheus((await d.api('GET', '/metrics')).body as string);

  it('an open approval is counted until answered; its wait is observed once, by outcome', async () => {
    const work = mkdtempSync(join(d.dir, 'work-'));
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session;
    const watch = await watchSession(d, session.id);
    const run = (await d.api('POST', `/sessions/${session.id}/messages`, { body: { text: `ask touch ${join(work, 'a')} ;; touch ${join(work, 'b')}` } })).body.run;
    const first = await watch.next('request.created');
    expect(sampleValue(await metrics(), 'agentd_approvals_open', { kind: 'approval' })).toBe(1);
    await d.api('POST', `/requests/${first.id}/approve`);
    const second = await watch.next('request.created');
    await d.api('POST', `/requests/${second.id}/deny`, { body: { message: 'not that one' } });
    expect((await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run.state).toBe('completed');
    watch.close();
    const m = await metrics();
    expect(sampleValue(m, 'agentd_approvals_open', { kind: 'approval' })).toBe(0);
    // Both were answered (one approve, one deny): two observations of outcome "answered".
    expect(sampleValue(m, 'agentd_approval_wait_seconds_count', { kind: 'approval', outcome: 'answered' })).toBe(2);
  });
});
