import type { Command } from 'commander';

/**
 * Adds worked examples to a command's `--help`. Every command of agentctl has at least one
 * (test/cli/help.test.ts walks the tree), because an example answers "how do I call this" faster
 * than a list of flags.
 */
export function withExamples<T extends Command>(command: T, ...examples: string[]): T {
  const title = examples.length > 1 ? 'Examples' : 'Example';
  command.addHelpText('after', `\n${title}:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
  return command;
}

/** What `agentctl` alone prints: the few commands that get a new user from nothing to a run. */
export const START_HERE = `agentctl — the command-line client of agentd

Start here:
  agentd                                            # start the daemon (in another terminal)
  agentctl daemon status                            # is it up? which version?
  S=$(agentctl --field session.id session create)   # a session (codex by default; --provider claude|command)
  agentctl message send --session-id "$S" --text "Say hi" --follow

Every command: agentctl --help.  One command: agentctl <command> --help (options and an example).
Tab completion: agentctl completion --help.
`;
