/**
 * Runs the built `agentd` as a child process, the way a user does — for the benchmarks (whose
 * load must come from another process) and the subprocess tests alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AGENTD_BIN } from './repo.js';

export interface AgentdProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL — a crash, no cleanup — and wait for exit. */
  kill9(): Promise<void>;
}

/**
 * Starts agentd on a free port and resolves once it logged its listening URL (read from its JSON log).
 * `bin` is another agentd launcher (an installed copy) instead of this checkout's. `onSpawn` gets
 * the child at once, before it listens (the chaos harness kills some daemons while they start).
 */
export function startAgentd(args: string[], env: Record<string, string | undefined> = {}, bin = AGENTD_BIN, onSpawn?: (child: ChildProcess) => void): Promise<AgentdProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--port', '0', ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onSpawn?.(child);
    let out = '';
    let listening = false;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const onData = (chunk: string) => {
      out += chunk;
      if (listening) return;
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"agentd listening"/.exec(out);
      if (!match) return;
      listening = true;
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
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    void exited.then((code) => reject(new Error(`agentd exited (${code}) before listening:\n${out}`)));
  });
}
