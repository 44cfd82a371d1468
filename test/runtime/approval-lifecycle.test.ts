import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { askingAgentOptions, watchSession } from '../support/approvals.js';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { waitUntil } from '../support/wait.js';

/** How an open approval ends when nobody answers: timeout, cancel, daemon shutdown. */
describe('approval lifecycle', () => {
  let d: TestDaemon;
  beforeEach(async () => {
    // The idle limit is shorter than the approval timeout: a run waiting for a person is not idle.
    d = await startTestDaemon({ idleTimeoutS: 1, cancelGraceMs: 2000, approvals: { policy: 'default', allow: [], timeoutS: 2 } }, askingAgentOptions);
  });
  afterEach(() => d.close());

  const send = async (sessionId: string, text: string) => (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text } })).body.run;
  const wait = async (runId: string) => (await d.api('GET', `/runs/${runId}/wait?timeout_s=30`)).body.run;
  async function asking(file: string) {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const watch = await watchSession(d, session);
    const run = await send(session, `ask touch ${file}`);
    const request = await watch.next('request.created');
    return { session, run, request, watch };
  }

  it('an unanswered approval is denied after --approval-timeout, recorded expired; the idle limit waits meanwhile', async () => {
    const file = join(d.dir, 'late');
    const { run, request, watch } = await asking(file);
    try {
      const done = await wait(run.id);
      expect(done.state).toBe('completed');
      expect(done.final_text).toBe(`denied touch ${file}: nobody answered within 2 s, so it is denied`);
      const expired = (await d.api('GET', `/requests/${request.id}`)).body.request;
      expect(expired).toMatchObject({ state: 'expired', decision: 'deny', answered_by: { kind: 'timeout' } });
      expect((await watch.next('request.answered')).state).toBe('expired');
      const late = await d.api('POST', `/requests/${request.id}/approve`);
      expect([late.status, late.body.request_state]).toEqual([409, 'expired']);
      expect(existsSync(file)).toBe(false);
    } finally {
      watch.close();
    }
  });

  it('cancelling the run resolves its open approval as cancelled, tells the agent, and stops the process', async () => {
    const file = join(d.dir, 'cancelled');
    const { session, run, request, watch } = await asking(file);
    try {
      const pid = (await d.api('GET', `/runs/${run.id}`)).body.run.pid;
      const cancelled = await d.api('POST', `/runs/${run.id}/cancel`);
      expect(cancelled.body.run.state).toBe('cancelled');
      const settled = (await d.api('GET', `/requests/${request.id}`)).body.request;
      expect(settled).toMatchObject({ state: 'cancelled', decision: null, answered_by: { kind: 'run_ended' } });
      expect(settled.message).toBe('the run ended before it was answered: cancelled by request');
      const said = (await d.api('GET', `/sessions/${session}/events?limit=1000`)).body.events
        .filter((e: any) => e.type === 'run.item').map((e: any) => e.data.item.text);
      // The agent heard the cancel of what it waited for.
      expect(said[0]).toBe(`cancelled touch ${file}`);
      await waitUntil('the agent process is gone', () => !isProcessAlive(pid));
      expect(existsSync(file)).toBe(false);
      expect((await d.api('GET', '/daemon/status')).body.open_approvals).toBe(0);
    } finally {
      watch.close();
    }
  });

  it('a cancel asks a jsonl agent to end its turn before any signal', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const watch = await watchSession(d, session);
    try {
      const run = await send(session, 'hold');
      await watch.stream.waitFor((f) => f.type === 'run.item' && f.data.item.text === 'holding');
      expect((await d.api('POST', `/runs/${run.id}/cancel`)).body.run.state).toBe('cancelled');
      // Only a process that read {"type":"interrupt"} prints this; SIGTERM would end it silently.
      await watch.stream.waitFor((f) => f.type === 'run.item' && f.data.item.text === 'interrupted');
    } finally {
      watch.close();
    }
  });

  it('a daemon shutdown expires the open approval; the run is interrupted and failed on the next start', async () => {
    const file = join(d.dir, 'shutdown');
    const { run, request, watch } = await asking(file);
    watch.close();
    await d.restart();
    const settled = (await d.api('GET', `/requests/${request.id}`)).body.request;
    expect(settled).toMatchObject({ state: 'expired', decision: 'deny', answered_by: { kind: 'daemon_stopped' } });
    expect(settled.message).toMatch(/^agentd stopped while the approval was open/);
    expect((await d.api('GET', `/runs/${run.id}`)).body.run.state).toBe('failed');
    expect(existsSync(file)).toBe(false);
  });
});
