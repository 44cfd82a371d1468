import type { Provider, TurnContext } from '../provider.js';
import { oneShotDriver } from '../one-shot-driver.js';
import { CommandConversationDriver } from './conversation-driver.js';
import { CommandParser } from './parse.js';

/**
 * How agentd talks to the script:
 * - `plain` (default): the prompt on stdin, which is then closed; each stdout line a text item.
 *   Scripts that read their prompt until EOF work unchanged.
 * - `jsonl`: the prompt as a JSON line and stdin kept open for approval answers and an interrupt
 *   request (see conversation-driver.ts). The script finds `AGENTD_COMMAND_PROTOCOL=jsonl` in its
 *   environment, so one script can serve both.
 */
export type CommandProtocol = 'plain' | 'jsonl';
export const COMMAND_PROTOCOLS: readonly CommandProtocol[] = ['plain', 'jsonl'];

/**
 * Runs a configured script as the agent: each stdout line a text item, the last non-empty line the
 * final text. Exit code 0 completes the run. In either protocol a line that is a JSON object of
 * type `usage` reports tokens and cost instead of being text (see usage-line.ts).
 */
export class CommandProvider implements Provider {
  readonly name = 'command';
  readonly canResume = false;

  constructor(
    private readonly argv: string[],
    private readonly protocol: CommandProtocol = 'plain',
  ) {}

  buildTurn(ctx: TurnContext) {
    return { argv: this.argv, env: { ...ctx.env, AGENTD_COMMAND_PROTOCOL: this.protocol }, cwd: ctx.session.cwd };
  }

  createDriver(ctx: TurnContext) {
    if (this.protocol === 'jsonl') return new CommandConversationDriver(ctx.run.prompt);
    return oneShotDriver(new CommandParser(), ctx.run.prompt);
  }
}
