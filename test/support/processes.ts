/**
 * Runs the built bins (`./bin/agentd`, `./bin/agentctl`) as subprocesses, the way a user does.
 * `npm test` builds first; run `npm run build` before running these files alone.
 */
import { spawn } from 'node:child_process';
import { AGENTCTL_BIN } from '../../bench/support/repo.js';

export { AGENTD_BIN, AGENTCTL_BIN } from '../../bench/support/repo.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file` to completion with argv (no shell), collecting its output; `input` goes to its stdin. */
export function runToCompletion(file: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...(options.cwd ? { cwd: options.cwd } : {}), env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

/** Runs agentctl to completion with argv (no shell) and the given environment additions. */
export function agentctl(args: string[], env: Record<string, string | undefined> = {}, input?: string, cwd?: string): Promise<CliResult> {
  return runToCompletion(process.execPath, [AGENTCTL_BIN, ...args], {
    ...(cwd ? { cwd } : {}),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
    ...(input !== undefined ? { input } : {}),
  });
}

export { startAgentd, type AgentdProcess } from '../../bench/support/agentd.js';
