import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { waitUntil } from '../support/wait.js';
import { stopLeftRuns } from '../support/supervisors.js';

const agentFlags = ['--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command', '--command-protocol', 'jsonl'];

/** kill -9 of agentd while an approval is open: the agent waits on, and the answer reaches it. */
describe('a daemon crash while an approval is open', () => {
  let dir: string;
  let procs: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-approval-crash-'));
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
    procs = [];
    await stopLeftRuns(join(dir, 'db.sqlite'));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start() {
    const p = await startAgentd(['--db', join(dir, 'db.sqlite'), ...agentFlags]);
    procs.push(p);
    return p;
  }
  const ctl = async (p: AgentdProcess, args: string[]) => {
    const result = await agentctl(['--url', p.url, '--format', 'json', ...args]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  async function askThenCrash(file: string) {
    const first = await start();
    const session = (await ctl(first, ['session', 'create'])).session.id;
    const stream = await openWs(`${first.url}/sessions/${session}/stream`);
    const run = (await ctl(first, ['message', 'send', '--session-id', session, '--text', `ask touch ${file}`])).run.id;
    const asked = await stream.waitFor((f) => f.type === 'request.created');
    const diagnosed = (await ctl(first, ['run', 'diagnose', '--run-id', run])).diagnostics;
    stream.close();
    await first.kill9();
    return { session, run, request: asked.data.request.id as string, pid: diagnosed.active_pid as number, supervisor: diagnosed.supervisor.pid as number };
  }

  it('stays open; after the restart an approval reaches the waiting agent and the command runs', async () => {
    const file = join(dir, 'approved');
    const { session, run, request, pid } = await askThenCrash(file);
    expect(isProcessAlive(pid)).toBe(true);
    const second = await start();
    expect((await ctl(second, ['requests', 'get', request])).request.state).toBe('open');
    expect((await ctl(second, ['requests', 'list', '--state', 'open'])).requests.map((r: any) => r.id)).toEqual([request]);
    await ctl(second, ['requests', 'approve', request]);
    const done = (await ctl(second, ['run', 'wait', '--run-id', run, '--timeout-s', '30'])).run;
    expect(done).toMatchObject({ state: 'completed', final_text: `approved touch ${file}` });
    expect(existsSync(file)).toBe(true);
    const events = (await ctl(second, ['events', 'list', '--session-id', session, '--limit', '1000'])).events;
    const types = events.filter((e: any) => e.run_id === run).map((e: any) => e.type);
    expect(types.slice(types.indexOf('request.created'))).toEqual(['request.created', 'run.reattached', 'request.answered', 'run.item', 'run.completed', 'message.created']);
    expect((await ctl(second, ['daemon', 'status'])).open_approvals).toBe(0);
  });

  it('when its agent did not survive either, the request is expired, nothing runs, the run fails, and the daemon works on', async () => {
    const file = join(dir, 'never');
    const { session, run, request, pid, supervisor } = await askThenCrash(file);
    process.kill(supervisor, 'SIGKILL');
    await waitUntil('the supervisor is gone', () => !isProcessAlive(supervisor));
    const second = await start();
    await waitUntil('the run is failed', async () => (await ctl(second, ['run', 'get', '--run-id', run])).run.state === 'failed');
    const settled = (await ctl(second, ['requests', 'get', request])).request;
    expect(settled).toMatchObject({ state: 'expired', decision: 'deny', answered_by: { kind: 'daemon_stopped' } });
    expect(settled.message).toMatch(/agent is gone/);
    expect((await ctl(second, ['run', 'get', '--run-id', run])).run.error).toMatch(/interrupted by a daemon restart/);
    await waitUntil('the asking agent is gone', () => !isProcessAlive(pid));
    expect(existsSync(file)).toBe(false);
    expect((await ctl(second, ['requests', 'list', '--state', 'open'])).requests).toEqual([]);

    const next = (await ctl(second, ['message', 'send', '--session-id', session, '--text', 'echo still here'])).run.id;
    const waited = await agentctl(['--url', second.url, 'run', 'wait', '--run-id', next, '--timeout-s', '30']);
    expect(waited.stdout).toBe('still here\n');
  });
});
