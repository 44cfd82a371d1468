/**
 * Runs git for workspaces: an argv array (never a shell), in its own process group so a hook
 * git starts (post-checkout runs on `worktree add`) dies with it on a timeout, with an
 * environment that cannot point git at another repository and output that is not translated.
 */
import { spawn } from 'node:child_process';
import { AppError } from '../domain/errors.js';

export interface GitOptions {
  /** The git executable (`--git-bin`). */
  bin: string;
  /** The environment git starts from (agentd's own, from config). */
  env: NodeJS.ProcessEnv;
  /** A git that has not answered by then is killed with its process group. */
  timeoutMs?: number;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables that would make git act on another repository, index or work tree than `-C` names. */
const REPOSITORY_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX'];
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export class Git {
  constructor(private readonly opts: GitOptions) {}

  /**
   * `git -C dir args…`. Resolves with the exit code whatever it is (callers decide what a refusal
   * means); rejects with `git_unavailable` when git cannot be started at all.
   */
  run(dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<GitResult> {
    const env: NodeJS.ProcessEnv = { ...this.opts.env };
    for (const name of REPOSITORY_VARIABLES) delete env[name];
    // Messages we match on are English; no prompt may wait for a person who is not there.
    Object.assign(env, { LC_ALL: 'C', LANG: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' }, extraEnv);
    return new Promise((resolve, reject) => {
      const child = spawn(this.opts.bin, ['-C', dir, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let failure: AppError | undefined;
      const kill = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT_BYTES) {
          failure ??= new AppError('worktree_failed', `git ${args[0]} printed more than ${MAX_OUTPUT_BYTES} bytes`);
          kill();
          return;
        }
        into.push(chunk);
      };
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      const timer = setTimeout(() => {
        failure ??= new AppError('worktree_failed', `git ${args[0]} did not finish within ${(this.opts.timeoutMs ?? 120_000) / 1000}s`);
        kill();
      }, this.opts.timeoutMs ?? 120_000);
      timer.unref();
      child.on('error', (e: NodeJS.ErrnoException) => {
        failure ??= e.code === 'ENOENT' || e.code === 'EACCES'
          ? new AppError('git_unavailable', `git is not available on the agentd host: cannot run "${this.opts.bin}" (${e.code}); install git or point --git-bin at it`)
          : new AppError('worktree_failed', `cannot run git: ${e.message}`);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (failure) return reject(failure);
        resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
  }

  /** Like run, but a non-zero exit is a `worktree_failed` problem carrying git's own words. */
  async ok(dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
    const result = await this.run(dir, args, extraEnv);
    if (result.code !== 0) throw new AppError('worktree_failed', `git ${args[0]} failed: ${gitMessage(result)}`);
    return result.stdout;
  }
}

/** git's complaint, one line, without the "fatal: " prefix. */
export function gitMessage(result: GitResult): string {
  const text = (result.stderr || result.stdout).trim().split('\n').filter(Boolean);
  return (text.find((l) => /^(fatal|error):/.test(l)) ?? text[0] ?? `exit code ${result.code}`).replace(/^(fatal|error):\s*/, '');
}
