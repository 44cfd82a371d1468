import type { ApprovalPolicy } from '../../domain/approval-policy.js';
import type { TurnDriver } from '../conversation.js';
import type { Provider, ProcessSpec, TurnContext } from '../provider.js';
import { FILE_TOOLS } from './permission-ask.js';
import { ClaudeTurnDriver } from './turn-driver.js';

export interface ClaudeOptions {
  bin: string;
  extraArgs: string[];
}

/**
 * Under `ask` every command and every file change asks, read-only ones too: an `ask` rule outranks
 * claude's own read-only allowances and any `allow` rule in the user's settings.
 */
const ASK_EVERY_ACTION = JSON.stringify({ permissions: { ask: ['Bash', ...FILE_TOOLS] } });

/**
 * The `claude` CLI in print mode, stream-json both ways, its permission prompts as control requests
 * on stdio (see ClaudeTurnDriver). Later turns pass `--resume <session_id>` (the id from its
 * `system/init` line) so the session stays one conversation.
 */
export class ClaudeProvider implements Provider {
  readonly name = 'claude';
  readonly canResume = true;

  constructor(private readonly opts: ClaudeOptions) {}

  buildTurn(ctx: TurnContext): ProcessSpec {
    return { argv: this.argv(ctx.threadId, ctx.approvals.policy), env: ctx.env, cwd: ctx.session.cwd };
  }

  createDriver(ctx: TurnContext): TurnDriver {
    // The prompt goes in as a stream-json message on stdin, so no prompt text can be taken for a flag.
    return new ClaudeTurnDriver({ prompt: ctx.run.prompt, cwd: ctx.session.cwd });
  }

  /**
   * claude always runs in its `default` permission mode (whatever the user's settings choose), where
   * edits and commands that are not read-only ask; `ask` adds rules so that every command and edit
   * asks. Under `auto` and `deny` claude asks as by default and the gateway answers by policy, so
   * each such action is still recorded. (`--dangerously-skip-permissions` is never used: as root
   * claude refuses it, and it would bypass the record.) Extra args come last and may override.
   */
  argv(threadId: string | null, policy: ApprovalPolicy): string[] {
    const argv = [this.opts.bin, '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];
    argv.push('--permission-prompt-tool', 'stdio', '--permission-mode', 'default');
    if (policy === 'ask') argv.push('--settings', ASK_EVERY_ACTION);
    if (threadId) argv.push('--resume', threadId);
    argv.push(...this.opts.extraArgs);
    return argv;
  }
}
