import { UsageLines } from './usage-line.js';
import { describeExit, type ExitInfo, type Provider, type TurnContext, type TurnOutcome, type TurnParser } from '../provider.js';

/**
 * Runs a configured script as the agent: the prompt on stdin, each stdout line a text item, the
 * last non-empty line the final text. Exit code 0 completes the run. A line that is a JSON object
 * of type `usage` reports tokens and cost instead of being text (see usage-line.ts).
 */
export class CommandProvider implements Provider {
  readonly name = 'command';
  readonly canResume = false;

  constructor(private readonly argv: string[]) {}

  buildTurn(ctx: TurnContext) {
    return { argv: this.argv, env: ctx.env, cwd: ctx.session.cwd, stdin: ctx.run.prompt };
  }

  createParser(): TurnParser {
    let last: string | null = null;
    let index = 0;
    const usage = new UsageLines();
    return {
      onLine(line: string) {
        if (usage.take(line)) return {};
        if (line.trim() !== '') last = line;
        return { events: [{ type: 'run.item', data: { phase: 'completed', item: { id: `item_${index++}`, type: 'text', text: line } } }] };
      },
      finish(exit: ExitInfo): TurnOutcome {
        if (exit.code === 0 && !exit.spawnError) {
          return { status: 'completed', finalText: last, usage: usage.total(), costUsd: null, error: null };
        }
        return { status: 'failed', finalText: last, usage: usage.total(), costUsd: null, error: describeExit(exit) };
      },
    };
  }
}
