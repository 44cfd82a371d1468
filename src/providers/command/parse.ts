import { UsageLines } from './usage-line.js';
import { describeExit, type ExitInfo, type LineResult, type TurnOutcome, type TurnParser } from '../provider.js';

/**
 * A command script's stdout: each line a text item, the last non-empty line the final text, except
 * usage lines, which are counted instead (usage-line.ts).
 */
export class CommandParser implements TurnParser {
  private last: string | null = null;
  private index = 0;
  private readonly usage = new UsageLines();

  onLine(line: string): LineResult {
    if (this.usage.take(line)) return {};
    if (line.trim() !== '') this.last = line;
    return { events: [{ type: 'run.item', data: { phase: 'completed', item: { id: `item_${this.index++}`, type: 'text', text: line } } }] };
  }

  finish(exit: ExitInfo): TurnOutcome {
    if (exit.code === 0 && !exit.spawnError) {
      return { status: 'completed', finalText: this.last, usage: this.usage.total(), costUsd: null, error: null };
    }
    return { status: 'failed', finalText: this.last, usage: this.usage.total(), costUsd: null, error: describeExit(exit) };
  }
}
