import type { Provider, TurnContext } from '../provider.js';
import { oneShotDriver } from '../one-shot-driver.js';
import { CodexParser } from './parse.js';

export interface CodexOptions {
  bin: string;
  profile: string | null;
  extraArgs: string[];
}

/**
 * The `codex` CLI: `codex exec --json` for a first turn, `codex exec resume <thread_id> --json` for
 * every later one, so the session stays one conversation. `--codex-extra-arg`s go right before the
 * prompt. (`resume` rejects `--sandbox`/`--color`; pass `-c sandbox_mode="…"` as an extra arg.)
 */
export class CodexProvider implements Provider {
  readonly name = 'codex';
  readonly canResume = true;

  constructor(private readonly opts: CodexOptions) {}

  buildTurn(ctx: TurnContext) {
    const argv = [this.opts.bin, 'exec'];
    if (ctx.threadId) argv.push('resume', ctx.threadId);
    // Non-login shells for tool commands: a login shell re-reads /etc/profile, which resets PATH
    // and would hide the `agentctl` agentd put first on it. An extra arg can turn it back on.
    argv.push('--json', '--skip-git-repo-check', '-c', 'allow_login_shell=false');
    if (this.opts.profile) argv.push('--profile', this.opts.profile);
    argv.push(...(ctx.threadId ? forResume(this.opts.extraArgs) : this.opts.extraArgs), ctx.run.prompt);
    return { argv, env: ctx.env, cwd: ctx.session.cwd };
  }

  createDriver() {
    // The prompt is the last argv element; stdin is closed at once.
    return oneShotDriver(new CodexParser());
  }

  invocation() {
    return { profile: this.opts.profile, extra_args: this.opts.extraArgs };
  }
}

/**
 * `codex exec resume` rejects `--sandbox` and `--color`, which are fine on a first turn. Rather than
 * fail every later turn of a session, carry the sandbox over as a config override and drop color
 * (JSON output has none).
 */
export function forResume(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--sandbox' || flag === '-s') {
      const value = inline ?? args[++i];
      if (value !== undefined) out.push('-c', `sandbox_mode="${value}"`);
    } else if (flag === '--color') {
      if (inline === undefined) i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}
