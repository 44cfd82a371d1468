import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('timeouts and watchdog', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ runTimeoutS: 2, idleTimeoutS: 1, cancelGraceMs: 200 }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('a run silent past the no-output limit is killed and fails with that reason', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'silent' } })).body.run;
    const done = (await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run;
    expect(done.state).toBe('failed');
    expect(done.error).toBe('no output for 1s');
  });

  it('a run past the wall-clock limit is killed and fails with that reason, even while it talks', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    // "hold" prints once and stays; the idle limit (1 s) would fire first, so keep it talking:
    // the wall limit must win against a run that keeps printing. Use a dedicated daemon setting.
    await d.restart({ runTimeoutS: 1, idleTimeoutS: 0 });
    const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'hold' } })).body.run;
    const done = (await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run;
    expect(done.state).toBe('failed');
    expect(done.error).toBe('run exceeded the wall-clock limit of 1s');
  });

  it('a bad provider binary fails the run with a clear error and the daemon keeps serving', async () => {
    await d.restart({ command: { argv: ['/nonexistent/agent-binary'], protocol: 'plain' } });
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'anything' } })).body.run;
    const done = (await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run;
    expect(done.state).toBe('failed');
    expect(done.error).toBe('cannot start /nonexistent/agent-binary: no such executable');
    expect(done.exit_code).toBeNull();
    expect((await d.api('GET', '/health')).status).toBe(200);
    const next = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'again' } })).body.run;
    expect((await d.api('GET', `/runs/${next.id}/wait?timeout_s=30`)).body.run.state).toBe('failed');
  });
});
