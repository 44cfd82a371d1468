import { VERSION } from '../../paths.js';
import type { Provider, TurnContext } from '../provider.js';
import { appServerArgv, threadSettings } from './app-server-args.js';
import { CodexAppServerDriver } from './app-server-driver.js';
import { launchEnv, nativeCodex } from './native-bin.js';

export interface CodexOptions {
  bin: string;
  profile: string | null;
  extraArgs: string[];
}

/**
 * The `codex` CLI as `codex app-server`, one process per turn: the driver starts or resumes the
 * session's thread (a `codex exec` thread id resumes as well) and runs one turn over JSON-RPC,
 * passing codex's approval prompts on (docs/decisions.md, "codex runs as codex app-server").
 */
export class CodexProvider implements Provider {
  readonly name = 'codex';
  readonly canResume = true;

  constructor(private readonly opts: CodexOptions) {}

  buildTurn(ctx: TurnContext) {
    // The npm `codex` script only starts a native binary: start that directly (native-bin.ts).
    const launch = nativeCodex(this.opts.bin, ctx.env.PATH);
    const argv = appServerArgv({ ...this.opts, bin: launch?.file ?? this.opts.bin });
    return { argv, env: launch ? launchEnv(ctx.env, launch) : ctx.env, cwd: ctx.session.cwd };
  }

  createDriver(ctx: TurnContext) {
    return new CodexAppServerDriver({
      prompt: ctx.run.prompt,
      cwd: ctx.session.cwd,
      threadId: ctx.threadId,
      settings: threadSettings(ctx.approvals.policy, this.opts.extraArgs),
      clientVersion: VERSION,
    });
  }

  invocation() {
    return { profile: this.opts.profile, extra_args: this.opts.extraArgs };
  }
}
