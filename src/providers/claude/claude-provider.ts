import type { Provider, TurnContext } from '../provider.js';
import { oneShotDriver } from '../one-shot-driver.js';
import { ClaudeParser } from './parse.js';

export interface ClaudeOptions {
  bin: string;
  extraArgs: string[];
}

/**
 * The `claude` CLI in print mode with stream-json output; later turns pass `--resume <session_id>`
 * (the id from its `system/init` line) so the session stays one conversation.
 */
export class ClaudeProvider implements Provider {
  readonly name = 'claude';
  readonly canResume = true;

  constructor(private readonly opts: ClaudeOptions) {}

  buildTurn(ctx: TurnContext) {
    const argv = [this.opts.bin, '-p', '--output-format', 'stream-json', '--verbose'];
    if (ctx.threadId) argv.push('--resume', ctx.threadId);
    argv.push(...this.opts.extraArgs);
    return { argv, env: ctx.env, cwd: ctx.session.cwd };
  }

  createDriver(ctx: TurnContext) {
    // The prompt goes on stdin: print mode reads it there, and no prompt text can be taken for a flag.
    return oneShotDriver(new ClaudeParser(), ctx.run.prompt);
  }
}
