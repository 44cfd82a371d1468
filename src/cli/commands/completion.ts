import { Argument, Command } from 'commander';
import { bashCompletion } from '../completion/bash.js';
import { fishCompletion } from '../completion/fish.js';
import { completionTree } from '../completion/tree.js';
import { zshCompletion } from '../completion/zsh.js';
import { withExamples } from '../help.js';

const GENERATORS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

export function completionCommand(): Command {
  const completion = new Command('completion')
    .description('print a shell completion script for agentctl (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(GENERATORS)))
    .addHelpText(
      'after',
      `
Install (once; the script is generated from this agentctl, so re-run it after an upgrade
if you saved it to a file):
  bash  echo 'source <(agentctl completion bash)' >> ~/.bashrc
  zsh   agentctl completion zsh > "\${fpath[1]}/_agentctl"      (or source it after compinit)
  fish  agentctl completion fish > ~/.config/fish/completions/agentctl.fish`,
    )
    .action((shell: keyof typeof GENERATORS, _opts: unknown, cmd: Command) => {
      let root = cmd;
      while (root.parent) root = root.parent;
      process.stdout.write(GENERATORS[shell](completionTree(root), root.version() ?? 'unknown'));
    });
  return withExamples(completion, 'source <(agentctl completion bash)');
}
