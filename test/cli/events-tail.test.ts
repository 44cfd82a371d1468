import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { AGENTCTL_BIN, agentctl } from '../support/processes.js';

/** A running `agentctl … events tail --follow` whose JSON lines can be awaited. */
function tail(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [AGENTCTL_BIN, '--format', 'json', 'events', 'tail', '--follow', ...args], {
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
  });
  const events: any[] = [];
  const waiters: { match: (e: any) => boolean; resolve: () => void }[] = [];
  let stderr = '';
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const event = JSON.parse(line);
      events.push(event);
      for (const w of [...waiters]) if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    events,
    stderr: () => stderr,
    exited,
    child,
    seen: (match: (e: any) => boolean) =>
      events.some(match) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ match, resolve })),
  };
}

describe('agentctl events tail', () => {
  let d: TestDaemon;
  let env: Record<string, string>;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: ['tail-token'] }, scriptedAgentOptions);
    env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: 'tail-token' };
  });
  afterAll(() => d.close());

  it('--follow prints a run\'s events as they happen, survives a daemon restart without gaps or repeats, and exits 0 on Ctrl-C', async () => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
    const t = tail(['--session-id', session], env);
    await t.seen((e) => e.type === 'session.created');

    const first = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'echo live one'], env)).stdout.trim();
    await t.seen((e) => e.type === 'run.completed' && e.run_id === first);
    expect(t.events.find((e) => e.type === 'run.item' && e.run_id === first).data.item.text).toBe('live one');

    await d.restart();
    const second = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'echo after restart'], env)).stdout.trim();
    await t.seen((e) => e.type === 'run.completed' && e.run_id === second);
    expect(t.stderr()).toMatch(/stream lost; reconnecting in \d+ ms from evt_/);

    const seqs = t.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    t.child.kill('SIGINT');
    expect(await t.exited).toBe(0);
  });

  it('without --follow prints what is there and exits; --cursor starts after it', async () => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
    await agentctl(['message', 'send', '--session-id', session, '--text', 'note', '--role', 'system'], env);
    const all = await agentctl(['--format', 'json', 'events', 'tail', '--session-id', session], env);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.seq)).toEqual([1, 2]);
    const after = await agentctl(['events', 'tail', '--session-id', session, '--cursor', lines[0].id], env);
    expect(after.stdout.trim().split('\n')).toHaveLength(1);
    expect(after.stdout).toContain('system: note');
  });

  it('a refused stream is an error, not a reconnect loop', async () => {
    const r = await agentctl(['events', 'tail', '--follow', '--session-id', 'ses_missing'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('session_not_found');
  });
});
