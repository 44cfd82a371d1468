import type { Config } from '../config.js';
import type { Provider } from './provider.js';
import { CodexProvider } from './codex/codex-provider.js';
import { ClaudeProvider } from './claude/claude-provider.js';
import { CommandProvider } from './command/command-provider.js';

/** The providers this daemon can run, by name. `command` exists only when an argv is configured. */
export function buildProviders(config: Config): Map<string, Provider> {
  const providers = new Map<string, Provider>([
    ['codex', new CodexProvider(config.codex)],
    ['claude', new ClaudeProvider(config.claude)],
  ]);
  if (config.command.argv.length > 0) providers.set('command', new CommandProvider(config.command.argv, config.command.protocol));
  return providers;
}
