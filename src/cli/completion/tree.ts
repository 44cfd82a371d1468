import type { Command, Option } from 'commander';

/**
 * The command tree as completion scripts need it, read from the built commander program: a command
 * added to agentctl is completed without touching the generators.
 */
export interface CompletionOption {
  /** `--run-id`; `-h` style short flags are in `short`. */
  long: string;
  short: string | null;
  description: string;
  takesValue: boolean;
  /** Allowed values, when the option declares them. */
  choices: string[];
}

export interface CompletionNode {
  /** Command names from the root, e.g. ['run', 'wait']; [] for agentctl itself. */
  path: string[];
  name: string;
  description: string;
  commands: CompletionNode[];
  /** Its own options, the global ones (valid after any subcommand) and --help. */
  options: CompletionOption[];
  /** Allowed values of its first positional argument, when it declares them. */
  argumentChoices: string[];
}

const HELP: CompletionOption = { long: '--help', short: '-h', description: 'display help for command', takesValue: false, choices: [] };

function optionOf(o: Option): CompletionOption | null {
  if (o.hidden || !o.long) return null;
  return {
    long: o.long,
    short: o.short ?? null,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
  };
}

export function completionTree(program: Command): CompletionNode {
  const globals = program.options.map(optionOf).filter((o): o is CompletionOption => o !== null && o.long !== '--version');
  const walk = (command: Command, path: string[]): CompletionNode => {
    const own = command.options.map(optionOf).filter((o): o is CompletionOption => o !== null);
    const seen = new Set(own.map((o) => o.long));
    const options = [...own, ...(path.length > 0 ? globals.filter((g) => !seen.has(g.long)) : []), HELP];
    return {
      path,
      name: command.name(),
      description: command.description(),
      commands: command.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden).map((c) => walk(c, [...path, c.name()])),
      options,
      argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
    };
  };
  return walk(program, []);
}

/** Every node, depth first, the root included. */
export function allNodes(root: CompletionNode): CompletionNode[] {
  return [root, ...root.commands.flatMap(allNodes)];
}

/** Quotes a word for POSIX shells (bash, zsh): safe whatever it holds. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
