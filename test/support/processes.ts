/**
 * Runs the built bins (`./bin/agentd`, `./bin/agentctl`) as subprocesses, the way a user does.
 * `npm test` builds first; run `npm run build` before running these files alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const AGENTD_BIN = fileURLToPath(new URL('../../bin/agentd', import.meta.url));
export const AGENTCTL_BIN = fileURLToPath(new URL('../../bin/agentctl', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs agentctl to completion with argv (no shell) and the given environment additions. */
export function agentctl(args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENTCTL_BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

export interface AgentdProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL — a crash, no cleanup — and wait for exit. */
  kill9(): Promise<void>;
}

/** Starts agentd and resolves once it logged its listening URL (read from its JSON log). */
export function startAgentd(args: string[], env: Record<string, string | undefined> = {}): Promise<AgentdProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENTD_BIN, '--port', '0', ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const onData = (chunk: string) => {
      out += chunk;
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"agentd listening"/.exec(out);
      if (match) {
        resolve({
          url: match[1]!,
          child,
          output: () => out,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
          kill9: async () => {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    void exited.then((code) => reject(new Error(`agentd exited (${code}) before listening:\n${out}`)));
  });
}
