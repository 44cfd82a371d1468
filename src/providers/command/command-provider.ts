import type { Provider, TurnContext } from '../provider.js';
import { oneShotDriver } from '../one-shot-driver.js';
import { CommandParser } from './parse.js';

/**
 * Runs a configured script as the agent: the prompt on stdin, each stdout line a text item, the
 * last non-empty line the final text. Exit code 0 completes the run.
 */
export class CommandProvider implements Provider {
  readonly name = 'command';
  readonly canResume = false;

  constructor(private readonly argv: string[]) {}

  buildTurn(ctx: TurnContext) {
    return { argv: this.argv, env: ctx.env, cwd: ctx.session.cwd };
  }

  createDriver(ctx: TurnContext) {
    return oneShotDriver(new CommandParser(), ctx.run.prompt);
  }
}
