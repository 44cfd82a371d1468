import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';
import { spawn } from 'node:child_process';
import { AGENTD_BIN } from '../support/processes.js';

function runAgentd(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AGENTD_BIN, ...args], { env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('agentd process', () => {
  let dir: string;
  let running: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-proc-'));
  });
  afterEach(async () => {
    for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
    running = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second agentd on the same database refuses to start with a clear message', async () => {
    const db = join(dir, 'a.db');
    const first = await startAgentd(['--db', db, '--log-level', 'info']);
    running.push(first);
    const second = await runAgentd(['--port', '0', '--db', db]);
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/another agentd \(pid \d+\) is already using this database/);
    expect(await first.stop()).toBe(0);
  });

  it('a stale lock from a killed daemon does not block a restart, and the data is still there', async () => {
    const db = join(dir, 'b.db');
    const first = await startAgentd(['--db', db, '--command-bin', '/bin/cat']);
    running.push(first);
    const id = (await agentctl(['--url', first.url, '--field', 'session.id', 'session', 'create', '--provider', 'command'], {})).stdout.trim();
    expect(id).toMatch(/^ses_/);
    await first.kill9();
    const second = await startAgentd(['--db', db]);
    running.push(second);
    const got = await agentctl(['--url', second.url, '--field', 'session.id', 'session', 'get', '--session-id', id]);
    expect(got.stdout.trim()).toBe(id);
    expect(await second.stop()).toBe(0);
  });

  it('a lock file naming a dead pid is taken over', async () => {
    const db = join(dir, 'c.db');
    writeFileSync(`${db}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, proc_start: null, started_at: new Date().toISOString() }));
    const p = await startAgentd(['--db', db]);
    running.push(p);
    expect(await p.stop()).toBe(0);
  });

  it('flags and env configure it: auth tokens, max concurrency, codex profile and extra args', async () => {
    const p = await startAgentd(
      ['--db', join(dir, 'd.db'), '--max-concurrency', '2', '--codex-extra-arg=--verbose', '--codex-extra-arg', 'never', '--auth-token', 'flag-token'],
      { AGENTD_CODEX_PROFILE: 'mobile', AGENTD_AUTH_TOKENS: 'env-a,env-b' },
    );
    running.push(p);
    for (const token of ['flag-token', 'env-a', 'env-b']) {
      const r = await agentctl(['--url', p.url, '--auth-token', token, '--format', 'json', 'daemon', 'status']);
      expect(r.code, token).toBe(0);
      const status = JSON.parse(r.stdout);
      expect(status.max_concurrency).toBe(2);
      expect(status.codex_invocation).toEqual({ profile: 'mobile', extra_args: ['--verbose', 'never'] });
    }
    expect((await agentctl(['--url', p.url, 'daemon', 'status'])).code).toBe(1);
    // The token appears in no log line.
    expect(p.output()).not.toMatch(/flag-token|env-a|env-b/);
    expect(p.output()).toMatch(/"msg":"request"/);
  });

  it('bad flags are usage errors (exit 2)', async () => {
    expect((await runAgentd(['--max-concurrency', 'zero'])).code).toBe(2);
    expect((await runAgentd(['--no-such-flag'])).code).toBe(2);
    expect((await runAgentd(['--port', '0', '--db', join(dir, 'e.db')], { AGENTD_DEFAULT_PROVIDER: 'nope' })).code).toBe(2);
    // Listening beyond loopback without a token would let anyone on the network run agents.
    const open = await runAgentd(['--port', '0', '--host', '0.0.0.0', '--db', join(dir, 'f.db')]);
    expect(open.code).toBe(2);
    expect(open.output).toContain('refusing to listen on 0.0.0.0 without an auth token');
    // …and without an allowed root, in any directory the user can read.
    const anywhere = await runAgentd(['--port', '0', '--host', '0.0.0.0', '--auth-token', 'a:b', '--db', join(dir, 'g.db')]);
    expect(anywhere.code).toBe(2);
    expect(anywhere.output).toContain('refusing to listen on 0.0.0.0 without an --allowed-root');
  });
});
