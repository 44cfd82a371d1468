import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { waitUntil } from '../support/wait.js';

const agentFlags = ['--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command', '--command-protocol', 'jsonl'];

/** kill -9 of agentd while an approval is open: nothing that nobody approved runs, nothing is lost. */
describe('a daemon crash while an approval is open', () => {
  let dir: string;
  let procs: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-approval-crash-'));
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
    procs = [];
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

  it('leaves the request expired with the reason, no effect, the run failed, and a daemon that works on', async () => {
    const first = await start();
    const session = (await ctl(first, ['session', 'create'])).session.id;
    const stream = await openWs(`${first.url}/sessions/${session}/stream`);
    const file = join(dir, 'never');
    const run = (await ctl(first, ['message', 'send', '--session-id', session, '--text', `ask touch ${file}`])).run.id;
    const asked = await stream.waitFor((f) => f.type === 'request.created');
    const pid = (await ctl(first, ['run', 'get', '--run-id', run])).run.pid;
    stream.close();

    await first.kill9();
    const second = await start();
    const request = (await ctl(second, ['requests', 'get', asked.data.request.id])).request;
    expect(request).toMatchObject({ state: 'expired', decision: 'deny', answered_by: { kind: 'daemon_stopped' } });
    expect(request.message).toMatch(/crash or restart/);
    const after = (await ctl(second, ['run', 'get', '--run-id', run])).run;
    expect(after.state).toBe('failed');
    expect(after.error).toMatch(/interrupted by a daemon restart/);
    await waitUntil('the asking agent is gone', () => !isProcessAlive(pid));
    expect(existsSync(file)).toBe(false);
    expect((await ctl(second, ['requests', 'list', '--state', 'open'])).requests).toEqual([]);
    expect((await ctl(second, ['daemon', 'status'])).open_approvals).toBe(0);

    const events = (await ctl(second, ['events', 'list', '--session-id', session, '--limit', '1000'])).events;
    const types = events.filter((e: any) => e.run_id === run).map((e: any) => e.type);
    expect(types.slice(types.indexOf('request.created'))).toEqual(['request.created', 'request.answered', 'run.interrupted', 'run.failed']);

    const next = (await ctl(second, ['message', 'send', '--session-id', session, '--text', 'echo still here'])).run.id;
    const waited = await agentctl(['--url', second.url, 'run', 'wait', '--run-id', next, '--timeout-s', '30']);
    expect(waited.stdout).toBe('still here\n');
  });
});
