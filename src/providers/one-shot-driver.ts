import type { TurnDriver } from './conversation.js';
import type { TurnParser } from './provider.js';

/**
 * The driver of a CLI that takes its whole turn up front — in its argv, or on stdin until EOF —
 * and then only prints: it never asks, and has no request to end its turn (the runtime signals
 * its process group instead). `claude -p` and plain command scripts are such CLIs.
 */
export function oneShotDriver(parser: TurnParser, stdin?: string): TurnDriver {
  return {
    start(io) {
      if (stdin !== undefined) io.write(stdin);
      io.endInput();
    },
    onLine: (line) => parser.onLine(line),
    interrupt: () => false,
    finish: (exit) => parser.finish(exit),
  };
}
