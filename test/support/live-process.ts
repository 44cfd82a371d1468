/**
 * A child process whose output a test watches while it runs: `until` resolves as soon as the output
 * satisfies a check (re-checked on every chunk, never on a timer) and fails naming what never
 * appeared if the process exits first. `stop()` kills it if it is still running (for afterEach).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface LiveProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  until(what: string, check: (stdout: string, stderr: string) => boolean): Promise<void>;
  stop(): Promise<void>;
}

export function startProcess(argv: string[], env: Record<string, string | undefined>, opts: { cwd?: string } = {}): LiveProcess {
  const child = spawn(argv[0]!, argv.slice(1), { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  let err = '';
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const recheck = () => {
    for (const w of [...waiters]) if (w.check()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => ((out += c), recheck()));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => ((err += c), recheck()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    until(what, check) {
      if (check(out, err)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ check: () => check(out, err), resolve });
        void exited.then((code) => {
          if (!check(out, err)) reject(new Error(`${argv.join(' ')} exited (${code}) before: ${what}\nstdout: ${out}\nstderr: ${err}`));
        });
      });
    },
    async stop() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
  };
}
