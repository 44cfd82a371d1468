import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { waitUntil } from '../support/wait.js';
import { spoolDirs, stopLeftRuns } from '../support/supervisors.js';

const agentFlags = ['--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command'];

/** agentd killed or stopped while agents work: they work on, and a new agentd picks them up. */
describe('runs that outlive the daemon', () => {
  let dir: string;
  let db: string;
  let procs: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-reattach-'));
    db = join(dir, 'db.sqlite');
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
    procs = [];
    await stopLeftRuns(db);
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(extra: string[] = []) {
    const p = await startAgentd(['--db', db, ...agentFlags, ...extra]);
    procs.push(p);
    return p;
  }
  const ctl = async (p: AgentdProcess, args: string[]) => {
    const result = await agentctl(['--url', p.url, '--format', 'json', ...args]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  const items = (events: any[], runId: string) =>
    events.filter((e) => e.run_id === runId && e.type === 'run.item').map((e) => e.data.item.text as string);

  it('kill -9 of agentd mid-run: the agent works on, the next agentd re-attaches, and every line becomes one event', async () => {
    const first = await start();
    const session = (await ctl(first, ['session', 'create'])).session.id;
    const release = join(dir, 'release');
    const stream = await openWs(`${first.url}/sessions/${session}/stream`);
    const run = (await ctl(first, ['message', 'send', '--session-id', session, '--text', `tick 20 ${release}`])).run.id;
    await stream.waitFor((f) => f.type === 'run.item' && f.data.item.text === 'tick 5');
    stream.close();
    const diagnosed = (await ctl(first, ['run', 'diagnose', '--run-id', run])).diagnostics;
    const supervisorPid = diagnosed.supervisor.pid as number;
    const agentPid = diagnosed.active_pid as number;
    expect(diagnosed.supervisor.reattached_at).toBeNull();

    await first.kill9();
    // The agent goes on printing while no daemon reads it.
    const spooled = () => readdirSync(spoolDirs(db)[0]!).filter((n) => n.endsWith('.spool')).map((n) => readFileSync(join(spoolDirs(db)[0]!, n), 'utf8')).join('');
    await waitUntil('the agent printed on while agentd was down', () => spooled().includes('"tick 20"'));
    expect(isProcessAlive(agentPid)).toBe(true);
    expect(isProcessAlive(supervisorPid)).toBe(true);
    const second = await start();
    const again = await openWs(`${second.url}/sessions/${session}/stream`);
    const caughtUp = await again.waitFor((f) => f.type === 'run.reattached');
    expect(caughtUp.data, second.output()).toMatchObject({ supervisor_pid: supervisorPid, supervisor_alive: true });
    expect(caughtUp.data.behind_bytes).toBeGreaterThan(0);
    const late = await again.waitFor((f) => f.type === 'run.item' && f.seq > caughtUp.seq && f.data.item.text !== undefined);
    const diagnosedAgain = (await ctl(second, ['run', 'diagnose', '--run-id', run])).diagnostics;
    expect(diagnosedAgain.supervisor).toMatchObject({ pid: supervisorPid, caught_up_bytes: caughtUp.data.behind_bytes });
    expect(diagnosedAgain.supervisor.reattached_at).toMatch(/^\d{4}-/);
    again.close();
    expect(late).toBeTruthy();
    writeFileSync(release, 'go');
    const waited = await agentctl(['--url', second.url, 'run', 'wait', '--run-id', run, '--timeout-s', '60']);
    expect(waited.stdout).toBe('released\n');

    const events = (await ctl(second, ['events', 'list', '--session-id', session, '--limit', '1000'])).events;
    const lines = items(events, run);
    expect(lines.at(-1)).toBe('released');
    const ticks = lines.slice(0, -1);
    expect(ticks.length).toBeGreaterThan(20);
    expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => `tick ${i + 1}`));
    expect(events.filter((e: any) => e.type === 'run.reattached')).toHaveLength(1);
    expect(events.filter((e: any) => e.run_id === run && e.type.startsWith('run.')).map((e: any) => e.type).filter((t: string) => t !== 'run.item'))
      .toEqual(['run.queued', 'run.running', 'run.process', 'run.reattached', 'run.completed']);
    await waitUntil('the supervisor exits with its run', () => !isProcessAlive(supervisorPid));
    await waitUntil('the spool is removed', () => spoolDirs(db).length === 0);
  });

  it('a run that finished while agentd was down is decided by its exit status and spooled output', async () => {
    const first = await start();
    const session = (await ctl(first, ['session', 'create'])).session.id;
    const release = join(dir, 'release');
    const run = (await ctl(first, ['message', 'send', '--session-id', session, '--text', `count-then-wait 3 ${release}`])).run.id;
    const stream = await openWs(`${first.url}/sessions/${session}/stream`);
    await stream.waitFor((f) => f.type === 'run.item' && f.data.item.text === 'count 3');
    stream.close();
    const supervisorPid = (await ctl(first, ['run', 'diagnose', '--run-id', run])).diagnostics.supervisor.pid as number;
    await first.kill9();
    writeFileSync(release, 'go');
    await waitUntil('the run ends without a daemon, its supervisor with it', () => !isProcessAlive(supervisorPid));

    const second = await start();
    const done = (await ctl(second, ['run', 'wait', '--run-id', run, '--timeout-s', '30'])).run;
    expect(done).toMatchObject({ state: 'completed', final_text: 'released', exit_code: 0 });
    const events = (await ctl(second, ['events', 'list', '--session-id', session, '--limit', '1000'])).events;
    expect(items(events, run)).toEqual(['count 1', 'count 2', 'count 3', 'released']);
    expect(events.find((e: any) => e.type === 'run.reattached').data).toMatchObject({ supervisor_pid: null, supervisor_alive: false });
    expect(spoolDirs(db)).toEqual([]);
  });

  it('SIGTERM leaves the agent running and says so; the next start re-attaches; --stop-runs stops it instead', async () => {
    const first = await start();
    const session = (await ctl(first, ['session', 'create'])).session.id;
    const release = join(dir, 'release');
    const run = (await ctl(first, ['message', 'send', '--session-id', session, '--text', `wait-file ${release}`])).run.id;
    const agentPid = await waitUntil('the agent started', async () => (await ctl(first, ['run', 'get', '--run-id', run])).run.pid as number | null);
    const supervisorPid = (await ctl(first, ['run', 'diagnose', '--run-id', run])).diagnostics.supervisor.pid as number;
    expect(await first.stop()).toBe(0);
    expect(first.output()).toMatch(/1 run\(s\) keep running under their supervisors/);
    expect(isProcessAlive(agentPid)).toBe(true);

    const second = await start(['--stop-runs']);
    expect((await ctl(second, ['run', 'get', '--run-id', run])).run.state).toBe('running');
    expect(await second.stop()).toBe(0);
    await waitUntil('the agent and its supervisor are stopped with the daemon', () => !isProcessAlive(agentPid) && !isProcessAlive(supervisorPid));
    expect(existsSync(release)).toBe(false);

    const third = await start();
    const after = (await ctl(third, ['run', 'get', '--run-id', run])).run;
    expect(after.state).toBe('failed');
    const events = (await ctl(third, ['events', 'list', '--session-id', session, '--limit', '1000'])).events;
    expect(events.filter((e: any) => e.run_id === run).map((e: any) => e.type).slice(-2)).toEqual(['run.interrupted', 'run.failed']);
    expect(spoolDirs(db)).toEqual([]);
  });

  it('a run whose supervisor died too follows the interrupted-run rules: its agent is killed and it fails', async () => {
    const first = await start();
    const session = (await ctl(first, ['session', 'create'])).session.id;
    const run = (await ctl(first, ['message', 'send', '--session-id', session, '--text', 'grandchild'])).run.id;
    const stream = await openWs(`${first.url}/sessions/${session}/stream`);
    const line = await stream.waitFor((f) => f.type === 'run.item' && /^grandchild \d+$/.test(f.data.item.text));
    stream.close();
    const grandchild = Number(line.data.item.text.split(' ')[1]);
    const diagnosed = (await ctl(first, ['run', 'diagnose', '--run-id', run])).diagnostics;
    await first.kill9();
    process.kill(diagnosed.supervisor.pid, 'SIGKILL');
    await waitUntil('the supervisor is gone', () => !isProcessAlive(diagnosed.supervisor.pid));

    const second = await start();
    const waited = await agentctl(['--url', second.url, '--format', 'json', 'run', 'wait', '--run-id', run, '--timeout-s', '30']);
    const after = JSON.parse(waited.stdout).run;
    expect(after.state).toBe('failed');
    expect(after.error).toMatch(/interrupted by a daemon restart/);
    await waitUntil('the agent and its grandchild are killed', () => !isProcessAlive(diagnosed.active_pid) && !isProcessAlive(grandchild));
    const events = (await ctl(second, ['events', 'list', '--session-id', session, '--limit', '1000'])).events;
    expect(events.filter((e: any) => e.run_id === run).map((e: any) => e.type).slice(-3)).toEqual(['run.reattached', 'run.interrupted', 'run.failed']);
    expect(events.find((e: any) => e.type === 'run.interrupted').data.reason).toMatch(/supervisor is gone/);
  });
});
