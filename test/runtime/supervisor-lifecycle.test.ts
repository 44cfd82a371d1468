/**
 * Issue 19: a re-attached run is controlled like any other (cancel, the idle watchdog), and a
 * supervisor never outlives its run — after cancel, after `agentctl daemon stop --cancel-runs`,
 * after `agentctl run cancel --all` with no daemon at all.
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

describe('supervisors never outlive their run', () => {
  let dir: string;
  let db: string;
  let procs: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-supervisor-'));
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
  const ctl = async (p: AgentdProcess | null, args: string[]) => {
    const result = await agentctl([...(p ? ['--url', p.url] : []), '--format', 'json', ...args]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  /** A run whose agent waits, silent, for a file that never comes; with its agent's and supervisor's pids. */
  async function waitingRun(p: AgentdProcess) {
    const session = (await ctl(p, ['session', 'create'])).session.id as string;
    const release = join(dir, 'never');
    const run = (await ctl(p, ['message', 'send', '--session-id', session, '--text', `wait-file ${release}`])).run.id as string;
    await waitUntil('the agent started', async () => (await ctl(p, ['run', 'get', '--run-id', run])).run.pid !== null);
    const diagnosed = (await ctl(p, ['run', 'diagnose', '--run-id', run])).diagnostics;
    return { session, run, release, agent: diagnosed.active_pid as number, supervisor: diagnosed.supervisor.pid as number };
  }
  /** agentd killed with SIGKILL, a new one started, and the run re-attached by it. */
  async function crashAndReattach(p: AgentdProcess, session: string, extra: string[] = []) {
    await p.kill9();
    const next = await start(extra);
    const stream = await openWs(`${next.url}/sessions/${session}/stream`);
    await stream.waitFor((f) => f.type === 'run.reattached');
    stream.close();
    return next;
  }
  const gone = (pids: number[]) => () => pids.every((pid) => !isProcessAlive(pid));

  it('cancel of a re-attached run stops its agent and its supervisor; the run is cancelled and its spool removed', async () => {
    const first = await start();
    const r = await waitingRun(first);
    const second = await crashAndReattach(first, r.session);
    expect(isProcessAlive(r.agent) && isProcessAlive(r.supervisor)).toBe(true);

    expect((await ctl(second, ['run', 'cancel', '--run-id', r.run])).run.id).toBe(r.run);
    const done = await agentctl(['--url', second.url, '--format', 'json', 'run', 'wait', '--run-id', r.run, '--timeout-s', '30']);
    expect(JSON.parse(done.stdout).run.state).toBe('cancelled');
    await waitUntil('the agent and its supervisor exit', gone([r.agent, r.supervisor]));
    await waitUntil("the run's spool is removed", () => spoolDirs(db).length === 0);
    expect(existsSync(r.release)).toBe(false);
  });

  it('the idle watchdog stops a silent re-attached run, and its supervisor with it', async () => {
    const first = await start();
    const r = await waitingRun(first);
    const second = await crashAndReattach(first, r.session, ['--idle-timeout', '1']);
    const done = await agentctl(['--url', second.url, '--format', 'json', 'run', 'wait', '--run-id', r.run, '--timeout-s', '30']);
    const run = JSON.parse(done.stdout).run;
    expect(run.state).toBe('failed');
    expect(run.error).toMatch(/no output for 1s/);
    await waitUntil('the agent and its supervisor exit', gone([r.agent, r.supervisor]));
  });

  it('the wall-clock limit of the new daemon stops a re-attached run, and its supervisor with it', async () => {
    const first = await start();
    const r = await waitingRun(first);
    // The first daemon had no limit. (That the limit counts from the run's start rather than from the
    // re-attach is not told apart here: it would take a wait as long as the limit.)
    const second = await crashAndReattach(first, r.session, ['--run-timeout', '1']);
    const done = await agentctl(['--url', second.url, '--format', 'json', 'run', 'wait', '--run-id', r.run, '--timeout-s', '30']);
    const run = JSON.parse(done.stdout).run;
    expect(run).toMatchObject({ state: 'failed', error: 'run exceeded the wall-clock limit of 1s' });
    await waitUntil('the agent and its supervisor exit', gone([r.agent, r.supervisor]));
  });

  it('agentctl daemon stop leaves runs to their supervisors; --cancel-runs cancels them, and agentd exits after', async () => {
    const first = await start();
    const r = await waitingRun(first);
    const left = await ctl(first, ['daemon', 'stop']);
    expect(left).toMatchObject({ stopping: true, runs: 'leave', exited: true });
    expect(first.child.exitCode).toBe(0);
    expect(first.output()).toMatch(/1 run\(s\) keep running under their supervisors/);
    expect(isProcessAlive(r.agent) && isProcessAlive(r.supervisor)).toBe(true);

    const second = await start();
    expect((await ctl(second, ['run', 'get', '--run-id', r.run])).run.state).toBe('running');
    const cancelled = await ctl(second, ['daemon', 'stop', '--cancel-runs']);
    expect(cancelled).toMatchObject({ stopping: true, runs: 'cancel', exited: true });
    if (second.child.exitCode === null) await once(second.child, 'exit');
    expect(second.child.exitCode).toBe(0);
    await waitUntil('the agent and its supervisor exit', gone([r.agent, r.supervisor]));

    const third = await start();
    const after = (await ctl(third, ['run', 'get', '--run-id', r.run])).run;
    expect(after).toMatchObject({ state: 'cancelled', error: expect.stringMatching(/--cancel-runs/) });
    expect(spoolDirs(db)).toEqual([]);
  });

  it('agentctl run cancel --all stops every supervised run of a database whose daemon is gone; the next start records them cancelled', async () => {
    const first = await start();
    const a = await waitingRun(first);
    const b = await waitingRun(first);
    await first.kill9();
    expect(isProcessAlive(a.agent) && isProcessAlive(b.agent)).toBe(true);

    const stopped = await ctl(null, ['run', 'cancel', '--all', '--db', db]);
    expect(stopped.runs.map((r: any) => [r.run_id, r.outcome]).sort()).toEqual([[a.run, 'stopped'], [b.run, 'stopped']].sort());
    // It answers once each supervisor recorded its agent's exit; the supervisors exit right after.
    expect(gone([a.agent, b.agent])()).toBe(true);
    await waitUntil('the supervisors exit', gone([a.supervisor, b.supervisor]));
    // Nothing left to stop: a second call finds no supervisor.
    expect((await ctl(null, ['run', 'cancel', '--all', '--db', db])).runs.every((r: any) => r.outcome === 'gone')).toBe(true);

    const second = await start();
    for (const id of [a.run, b.run]) {
      const waited = await agentctl(['--url', second.url, '--format', 'json', 'run', 'wait', '--run-id', id, '--timeout-s', '30']);
      const run = JSON.parse(waited.stdout).run;
      expect(run).toMatchObject({ state: 'cancelled', error: 'cancelled with agentctl run cancel --all' });
    }
    await waitUntil('the spools are removed', () => spoolDirs(db).length === 0);
  });

  it('run cancel needs exactly one of --run-id and --all', async () => {
    for (const args of [['run', 'cancel'], ['run', 'cancel', '--all', '--run-id', 'run_x'], ['run', 'cancel', '--run-id', 'run_x', '--db', db]]) {
      const result = await agentctl(['--url', 'http://127.0.0.1:9', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/--run-id|--all/);
    }
  });
});
