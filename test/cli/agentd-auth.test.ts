/** agentd as a process: refusing to start without a usable token, and the tokens file re-read on SIGHUP. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENTD_BIN, agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';

/** Resolves once `pattern` appears in agentd's output (watched on its pipes, not polled). */
function outputMatches(p: AgentdProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(p.output());
      if (!match) return false;
      p.child.stdout!.off('data', onData);
      p.child.off('exit', onExit);
      resolve(match[0]);
      return true;
    };
    // Listeners added after agentd's own collector, so output() already holds the new chunk.
    const onData = () => void check();
    const onExit = () => reject(new Error(`agentd exited before printing ${pattern}:\n${p.output()}`));
    if (check()) return;
    p.child.stdout!.on('data', onData);
    p.child.once('exit', onExit);
  });
}

describe('agentd auth settings', () => {
  let dir: string;
  let running: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-auth-'));
  });
  afterEach(async () => {
    for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
    running = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('12. --host 0.0.0.0 --auth-token \'\' does not start: exit 2 with a clear message, never listening', async () => {
    const child = spawn(process.execPath, [AGENTD_BIN, '--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'a.db'), '--auth-token', ''], {
      env: { PATH: process.env.PATH } as NodeJS.ProcessEnv,
    });
    let output = '';
    const result = await new Promise<{ code: number | null; listened: boolean }>((resolve) => {
      const onData = (c: string) => {
        output += c;
        // Should it start after all, stop it rather than leave a daemon on every interface.
        if (output.includes('agentd listening')) {
          child.kill('SIGKILL');
          resolve({ code: null, listened: true });
        }
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', onData);
      child.on('exit', (code) => resolve({ code, listened: false }));
    });
    expect(result).toEqual({ code: 2, listened: false });
    expect(output).toMatch(/^agentd: --auth-token: the token is empty/m);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('13. SIGHUP re-reads the tokens file: revoked names stop at once, new ones work; logs name tokens, never secrets', async () => {
    const file = join(dir, 'tokens');
    writeFileSync(file, 'alice:alice-s3cret-value\nbob:bob-s3cret-value\n');
    const p = await startAgentd(['--db', join(dir, 'b.db'), '--tokens-file', file, '--log-level', 'info']);
    running.push(p);
    const as = (token: string, ...args: string[]) => agentctl(['--url', p.url, '--auth-token', token, ...args]);
    expect((await as('alice-s3cret-value', 'session', 'list')).code).toBe(0);
    await outputMatches(p, /"principal":"alice"[^\n]*"msg":"request"|"msg":"request"[^\n]*"principal":"alice"/);

    writeFileSync(file, '# bob left; carol joined\nalice:alice-s3cret-value\ncarol:carol-s3cret-value\n');
    p.child.kill('SIGHUP');
    const reloaded = await outputMatches(p, /\{[^\n]*"msg":"tokens reloaded"[^\n]*\}/);
    expect(JSON.parse(reloaded)).toMatchObject({ added: ['carol'], removed: ['bob'] });
    const bob = await as('bob-s3cret-value', 'session', 'list');
    expect(bob.code).toBe(1);
    expect(bob.stderr).toContain('unauthorized');
    expect((await as('carol-s3cret-value', 'session', 'list')).code).toBe(0);

    // A file that no longer parses changes nothing: the tokens in force stay.
    writeFileSync(file, 'carol:\n');
    p.child.kill('SIGHUP');
    await outputMatches(p, /"msg":"tokens file not reloaded; the previous tokens stay in force"/);
    expect((await as('carol-s3cret-value', 'session', 'list')).code).toBe(0);

    expect(await p.stop()).toBe(0);
    for (const secret of ['alice-s3cret-value', 'bob-s3cret-value', 'carol-s3cret-value']) expect(p.output()).not.toContain(secret);
  });
});
