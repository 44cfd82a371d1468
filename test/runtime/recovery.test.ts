import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { openWs } from '../support/stream-clients.js';
import { waitUntil } from '../support/wait.js';
import { startTestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

const agentFlags = ['--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command'];

/** Agents run as agentd's own children (--no-supervisor): a restart interrupts them, as before issue 19. */
describe('restart recovery without supervisors', () => {
  let dir: string;
  let procs: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-recovery-'));
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
    procs = [];
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(extra: string[] = []) {
    const p = await startAgentd(['--db', join(dir, 'db.sqlite'), '--max-concurrency', '1', '--no-supervisor', ...agentFlags, ...extra]);
    procs.push(p);
    return p;
  }
  const ctl = (p: AgentdProcess, args: string[]) => agentctl(['--url', p.url, ...args]);

  it('after SIGKILL of agentd, the running run is not left running, its process is gone, and queued runs complete', async () => {
    const first = await start();
    const s1 = (await ctl(first, ['--field', 'session.id', 'session', 'create'])).stdout.trim();
    const s2 = (await ctl(first, ['--field', 'session.id', 'session', 'create'])).stdout.trim();
    const holding = (await ctl(first, ['--field', 'run.id', 'message', 'send', '--session-id', s1, '--text', 'grandchild'])).stdout.trim();
    // With one worker busy, this one waits in the queue across the crash.
    const queued = (await ctl(first, ['--field', 'run.id', 'message', 'send', '--session-id', s2, '--text', 'echo survived'])).stdout.trim();
    let pid = 0;
    for (;;) {
      // The run reports its pid once the process is spawned; one request per loop turn.
      const got = JSON.parse((await ctl(first, ['--format', 'json', 'run', 'get', '--run-id', holding])).stdout).run;
      if (got.pid) {
        pid = got.pid;
        break;
      }
    }
    expect(isProcessAlive(pid)).toBe(true);
    await first.kill9();
    // The agent outlived the daemon (its own process group); the restart must deal with it.
    const second = await start();
    const run = JSON.parse((await ctl(second, ['--format', 'json', 'run', 'get', '--run-id', holding])).stdout).run;
    expect(run.state).toBe('failed');
    expect(run.error).toMatch(/interrupted by a daemon restart/);
    expect(isProcessAlive(pid)).toBe(false);
    const events = JSON.parse((await ctl(second, ['--format', 'json', 'events', 'list', '--session-id', s1])).stdout).events;
    const types = events.filter((e: any) => e.run_id === holding).map((e: any) => e.type);
    expect(types.slice(-2)).toEqual(['run.interrupted', 'run.failed']);
    expect(events.find((e: any) => e.type === 'run.interrupted').data.reason).toMatch(/daemon stopped while the run was active/);

    const wait = await ctl(second, ['run', 'wait', '--run-id', queued, '--timeout-s', '30']);
    expect(wait.code).toBe(0);
    expect(wait.stdout).toBe('survived\n');
  });

  it('after kill -9 of agentd and of the agent itself, the child the agent left in its group is killed at the next start', async () => {
    const first = await start();
    const session = (await ctl(first, ['--field', 'session.id', 'session', 'create'])).stdout.trim();
    const run = (await ctl(first, ['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'grandchild'])).stdout.trim();
    const stream = await openWs(`${first.url}/sessions/${session}/stream`);
    const item = await stream.waitFor((f) => f.type === 'run.item' && /^grandchild \d+$/.test(f.data.item.text));
    stream.close();
    const sleeper = Number(item.data.item.text.split(' ')[1]);
    const agent = JSON.parse((await ctl(first, ['--format', 'json', 'run', 'get', '--run-id', run])).stdout).run.pid as number;
    try {
      await first.kill9();
      // The agent (its group's leader) dies too; its child lives on in the group, re-parented.
      process.kill(agent, 'SIGKILL');
      await waitUntil('the agent is gone', () => !isProcessAlive(agent));
      expect(isProcessAlive(sleeper)).toBe(true);
      const second = await start();
      await waitUntil('the child left in the group is killed', () => !isProcessAlive(sleeper));
      expect(second.output()).toMatch(/killed the processes of a run whose daemon or supervisor is gone/);
      const got = JSON.parse((await ctl(second, ['--format', 'json', 'run', 'get', '--run-id', run])).stdout).run;
      expect(got.state).toBe('failed');
    } finally {
      for (const pid of [agent, sleeper]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  it('a graceful stop marks active runs interrupted; the next start fails them with the reason', async () => {
    const first = await start();
    const s = (await ctl(first, ['--field', 'session.id', 'session', 'create'])).stdout.trim();
    const run = (await ctl(first, ['--field', 'run.id', 'message', 'send', '--session-id', s, '--text', 'hold'])).stdout.trim();
    for (;;) {
      const state = (await ctl(first, ['--field', 'run.pid', 'run', 'get', '--run-id', run])).stdout.trim();
      if (state !== 'null') break;
    }
    expect(await first.stop()).toBe(0);
    const second = await start();
    const got = JSON.parse((await ctl(second, ['--format', 'json', 'run', 'get', '--run-id', run])).stdout).run;
    expect(got.state).toBe('failed');
    const events = JSON.parse((await ctl(second, ['--format', 'json', 'events', 'list', '--session-id', s])).stdout).events;
    expect(events.filter((e: any) => e.run_id === run).map((e: any) => e.type).slice(-2)).toEqual(['run.interrupted', 'run.failed']);
  });
});

describe('restart recovery never signals a stranger', () => {
  it('a run whose stored process group now belongs to something else (a reused id after a reboot) is failed, and that group is left alone', async () => {
    // A process group of a stranger: no agentd run id in its environment, another start time.
    const stranger = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH } });
    const d = await startTestDaemon({ maxConcurrency: 1 }, scriptedAgentOptions);
    try {
      // The only worker is busy, so the second run stays queued for the test to mark as running.
      const busy = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
      await d.api('POST', `/sessions/${busy}/messages`, { body: { text: 'hold' } });
      const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
      const run = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'echo never' } })).body.run.id;
      await d.daemon.store.transitionRun(run, 'running', { expected: 'queued', patch: { pid: stranger.pid!, pgid: stranger.pid!, proc_start: '1' } });
      await d.restart();
      const got = (await d.api('GET', `/runs/${run}`)).body.run;
      expect(got.state).toBe('failed');
      expect(isProcessAlive(stranger.pid!)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
      await d.close();
    }
  });
});
