import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENTD_BIN } from '../support/processes.js';

function agentd(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AGENTD_BIN, ...args], { env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** systemd-analyze where it works here (it needs no running systemd for `verify`). */
function systemdAnalyze(): boolean {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

const TOKEN = 'service-token-0123456789abcdef';

describe('agentd service', () => {
  let home: string;
  let work: string;
  let env: Record<string, string>;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'agentd-service-home-'));
    work = mkdtempSync(join(tmpdir(), 'agentd service work-'));
    env = { HOME: home };
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  const unitPath = () => join(home, '.config', 'systemd', 'user', 'agentd.service');
  const envPath = () => join(home, '.config', 'agentd', 'agentd.env');

  it('install --no-start writes a systemd user unit with the flags, and the tokens only in a private environment file', async () => {
    const r = await agentd(['service', 'install', '--no-start', '--platform', 'linux', '--port', '9123', '--max-concurrency', '2', '--auth-token', TOKEN, '--db', 'data/my agents.db'], env, work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('systemctl --user enable --now agentd.service');
    const unit = readFileSync(unitPath(), 'utf8');
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!;
    expect(exec).toBe(`${process.execPath} ${AGENTD_BIN} --port 9123 --max-concurrency 2 --db "${join(work, 'data/my agents.db')}"`);
    expect(unit).toContain(`EnvironmentFile=${envPath()}`);
    expect(unit).toContain(`WorkingDirectory=${work}\n`);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).not.toContain(TOKEN);
    const envFile = readFileSync(envPath(), 'utf8');
    expect(envFile).toContain(`AGENTD_AUTH_TOKENS=${TOKEN}\n`);
    expect(envFile).toContain(`PATH=${process.env.PATH}\n`);
    expect(statSync(envPath()).mode & 0o777).toBe(0o600);
    // node reads the same file the launchd agent hands it (--env-file) to exactly these values.
    const read = spawnSync(process.execPath, [`--env-file=${envPath()}`, '-e', 'process.stdout.write(process.env.AGENTD_AUTH_TOKENS)'], { encoding: 'utf8' });
    expect(read.stdout).toBe(TOKEN);
  });

  it.runIf(systemdAnalyze())('the unit passes systemd-analyze verify', async () => {
    expect((await agentd(['service', 'install', '--no-start', '--platform', 'linux', '--db', 'with space/a%b.db'], env, work)).code).toBe(0);
    const verify = spawnSync('systemd-analyze', ['verify', unitPath()], { encoding: 'utf8' });
    // verify exits 0 even for some faults; each fault is a line naming the file.
    expect(verify.stderr.split('\n').filter((l) => l.includes(unitPath()))).toEqual([]);
    expect(verify.status).toBe(0);
  });

  it('a reinstall keeps keys added to the environment file by hand; what is given now wins', async () => {
    expect((await agentd(['service', 'install', '--no-start', '--platform', 'linux', '--auth-token', TOKEN], env, work)).code).toBe(0);
    writeFileSync(envPath(), `${readFileSync(envPath(), 'utf8')}OPENAI_API_KEY=sk-by-hand\n`);
    expect((await agentd(['service', 'install', '--no-start', '--platform', 'linux', '--auth-token', `${TOKEN}-new`], env, work)).code).toBe(0);
    const envFile = readFileSync(envPath(), 'utf8');
    expect(envFile).toContain('OPENAI_API_KEY=sk-by-hand\n');
    expect(envFile).toContain(`AGENTD_AUTH_TOKENS=${TOKEN}-new\n`);
    expect(envFile).not.toContain(`AGENTD_AUTH_TOKENS=${TOKEN}\n`);
  });

  it('flags agentd would refuse, and values an environment file cannot carry, are refused before anything is written', async () => {
    const bad = await agentd(['service', 'install', '--no-start', '--platform', 'linux', '--max-concurrency', '0'], env, work);
    expect(bad.code).toBe(2);
    const open = await agentd(['service', 'install', '--no-start', '--platform', 'linux', '--host', '0.0.0.0'], env, work);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('refusing to listen on 0.0.0.0 without an auth token');
    const quoted = await agentd(['service', 'install', '--no-start', '--platform', 'linux', '--auth-token', 'has"quote-0123456789'], env, work);
    expect(quoted.code).toBe(2);
    expect(quoted.stderr).toMatch(/value of AGENTD_AUTH_TOKENS has characters an environment file cannot carry/);
    expect(existsSync(unitPath())).toBe(false);
    expect(existsSync(envPath())).toBe(false);
  });

  it('--dry-run prints the files and commands and writes nothing; macOS gets a launchd agent with a log file', async () => {
    const r = await agentd(['service', 'install', '--dry-run', '--platform', 'darwin', '--port', '9124'], env, work);
    expect(r.code).toBe(0);
    const plist = join(home, 'Library', 'LaunchAgents', 'dev.agent-orchestrator.agentd.plist');
    expect(r.stdout).toContain(`--- ${plist} (mode 644)`);
    expect(r.stdout).toContain(`launchctl bootstrap gui/${process.getuid!()} ${plist}`);
    const args = [...r.stdout.matchAll(/^ {4}<string>(.*)<\/string>$/gm)].map((m) => m[1]);
    expect(args).toEqual([process.execPath, `--env-file=${envPath()}`, AGENTD_BIN, '--port', '9124', '--db', join(work, '.data/agent-orchestrator.db'), '--log-file', join(home, 'Library/Logs/agentd/agentd.log')]);
    expect(r.stdout).toMatch(/<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
    expect(existsSync(plist)).toBe(false);
    expect(existsSync(envPath())).toBe(false);
  });

  it('status says where it is installed; uninstall removes the unit and keeps the environment file', async () => {
    const before = await agentd(['service', 'status', '--platform', 'linux'], env, work);
    expect(before.code).toBe(3);
    expect(before.stdout).toContain('systemd user unit: not installed');
    expect((await agentd(['service', 'install', '--no-start', '--platform', 'linux'], env, work)).code).toBe(0);
    const after = await agentd(['service', 'status', '--platform', 'linux'], env, work);
    expect(after.stdout).toContain(`systemd user unit: ${unitPath()}`);
    expect(after.stdout).toMatch(/^state: /m);
    expect(after.stdout).toContain('logs: journalctl --user -u agentd');
    const removed = await agentd(['service', 'uninstall', '--no-start', '--platform', 'linux'], env, work);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`removed ${unitPath()}`);
    expect(removed.stdout).toContain(`kept ${envPath()}`);
    expect(existsSync(unitPath())).toBe(false);
    expect(existsSync(envPath())).toBe(true);
  });

  it('usage errors exit 2', async () => {
    expect((await agentd(['service', 'frobnicate'], env, work)).code).toBe(2);
    expect((await agentd(['service', 'install', '--platform', 'windows'], env, work)).code).toBe(2);
    const help = await agentd(['service', '--help'], env, work);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('agentd service install');
  });
});
