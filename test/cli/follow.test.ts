import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { AGENTCTL_BIN, agentctl } from '../support/processes.js';
import { startProcess, type LiveProcess } from '../support/live-process.js';

/** `agentctl message send … --follow` against the command provider (the scripted agent). */
describe('agentctl message send --follow', () => {
  let d: TestDaemon;
  let env: Record<string, string | undefined>;
  let dir: string;
  const running: LiveProcess[] = [];
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: ['follow-token'] }, scriptedAgentOptions);
    env = { PATH: process.env.PATH, AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: 'follow-token' };
    dir = mkdtempSync(join(tmpdir(), 'agentctl-follow-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const newSession = async () => (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
  const follow = (args: string[]) => {
    const p = startProcess([process.execPath, AGENTCTL_BIN, ...args], env);
    running.push(p);
    return p;
  };

  it('prints the run\'s items in order and exits 0 when it completes', async () => {
    const session = await newSession();
    const r = await agentctl(['message', 'send', '--session-id', session, '--text', 'lines 3', '--follow'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^message msg_\w+\nrun     (run_\w+) \(queued\)\nline 1\nline 2\nline 3\n$/);
    const runId = /run {5}(run_\w+)/.exec(r.stdout)![1];
    expect(r.stderr).toMatch(new RegExp(`^run ${runId} completed in \\d+\\.\\ds\\n$`));
    // Piped output is plain text: no colour, no cursor movement.
    expect(r.stdout + r.stderr).not.toContain('\u001b');
  });

  it('exits 1 with the reason when the run fails', async () => {
    const session = await newSession();
    const r = await agentctl(['message', 'send', '--session-id', session, '--text', 'fail 3', '--follow'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^run run_\w+ failed in \d+\.\ds: process exited with code 3: scripted failure\n$/);
  });

  it('prints items as they arrive, before the run ends', async () => {
    const session = await newSession();
    const release = join(dir, 'release-live');
    const p = follow(['message', 'send', '--session-id', session, '--text', `wait-file ${release}`, '--follow']);
    // "waiting" is printed while the agent is still running: it waits for the file we write next.
    await p.until('the first item, while the run is still going', (out) => out.includes('waiting\n'));
    expect(p.stdout()).not.toContain('released');
    writeFileSync(release, '');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toMatch(/\nwaiting\nreleased\n$/);
  });

  it('shows only its own run, also when it waited behind another run of the session', async () => {
    const session = await newSession();
    const holder = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'hold'], env)).stdout.trim();
    const p = follow(['message', 'send', '--session-id', session, '--text', 'echo mine', '--follow']);
    await p.until('the queued run was sent', (out) => /run {5}run_\w+ \(queued\)\n/.test(out));
    expect((await agentctl(['run', 'cancel', '--run-id', holder], env)).code).toBe(0);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toMatch(/\(queued\)\nmine\n$/);
    expect(p.stdout()).not.toContain('holding');
  });

  it('a cancelled run exits 1', async () => {
    const session = await newSession();
    const p = follow(['message', 'send', '--session-id', session, '--text', 'hold', '--follow']);
    await p.until('the agent is holding', (out) => out.includes('holding\n'));
    const runId = /run {5}(run_\w+)/.exec(p.stdout())![1]!;
    expect((await agentctl(['run', 'cancel', '--run-id', runId], env)).code).toBe(0);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(new RegExp(`^run ${runId} cancelled`));
  });

  it('Ctrl-C stops following (exit 130) and leaves the run running', async () => {
    const session = await newSession();
    const p = follow(['message', 'send', '--session-id', session, '--text', 'hold', '--follow']);
    await p.until('the agent is holding', (out) => out.includes('holding\n'));
    const runId = /run {5}(run_\w+)/.exec(p.stdout())![1]!;
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(p.stderr()).toContain(`stopped following; run ${runId} goes on`);
    expect((await agentctl(['--field', 'run.state', 'run', 'get', '--run-id', runId], env)).stdout).toBe('running\n');
    await agentctl(['run', 'cancel', '--run-id', runId], env);
  });

  it('survives a daemon restart and ends with the run\'s outcome', async () => {
    const session = await newSession();
    const p = follow(['message', 'send', '--session-id', session, '--text', 'hold', '--follow']);
    await p.until('the agent is holding', (out) => out.includes('holding\n'));
    // A restart interrupts the run; the new daemon fails it (no --resume-interrupted), and the
    // follower, reconnected, sees that end.
    await d.restart();
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/stream lost; reconnecting in \d+ ms\n/);
    expect(p.stderr()).toMatch(/\nrun run_\w+ failed/);
  });

  it('--format json prints the send result, then each event of the run as one JSON line', async () => {
    const session = await newSession();
    const r = await agentctl(['--format', 'json', 'message', 'send', '--session-id', session, '--text', 'lines 2', '--follow'], env);
    expect(r.code).toBe(0);
    const [sent, ...events] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.every((e) => e.run_id === sent.run.id)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['message.created', 'run.queued', 'run.running', 'run.process', 'run.item', 'run.item', 'run.completed']);
    expect(events.filter((e) => e.type === 'run.item').map((e) => e.data.item.text)).toEqual(['line 1', 'line 2']);
    expect(r.stderr).toBe('');
  });

  it('a message that starts no run has nothing to follow', async () => {
    const session = await newSession();
    const r = await agentctl(['message', 'send', '--session-id', session, '--text', 'note', '--role', 'system', '--follow'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('nothing to follow');
  });
});
