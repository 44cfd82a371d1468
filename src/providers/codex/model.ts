/**
 * Which model a `codex exec` turn uses, for pricing its tokens: codex's JSON output does not say.
 * Read the way codex resolves it: `-m`/`--model` or `-c model=…` among agentd's extra codex args,
 * then the profile's `model` and the top-level `model` of `$CODEX_HOME/config.toml`
 * (`~/.codex/config.toml`). Unknown (null) leaves the cost unknown rather than guessed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function codexModel(opts: { profile: string | null; extraArgs: string[] }, env: NodeJS.ProcessEnv): string | null {
  const fromArgs = modelInArgs(opts.extraArgs);
  if (fromArgs) return fromArgs;
  const home = env.CODEX_HOME ?? (env.HOME ? join(env.HOME, '.codex') : null);
  if (!home) return null;
  let text: string;
  try {
    text = readFileSync(join(home, 'config.toml'), 'utf8');
  } catch {
    return null;
  }
  return modelInToml(text, opts.profile);
}

export function modelInArgs(args: string[]): string | null {
  let found: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-m' || arg === '--model') found = args[i + 1] ?? found;
    else if (arg.startsWith('--model=')) found = arg.slice('--model='.length);
    else if ((arg === '-c' || arg === '--config') && /^model\s*=/.test(args[i + 1] ?? '')) found = unquote(args[i + 1]!.replace(/^model\s*=\s*/, ''));
  }
  return found;
}

/** The `model` of `[profiles.<profile>]`, else the top-level one: just enough TOML for that key. */
export function modelInToml(text: string, profile: string | null): string | null {
  let section = '';
  let top: string | null = null;
  let inProfile: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      section = header[1]!.replace(/["']/g, '');
      continue;
    }
    const value = /^model\s*=\s*(.+)$/.exec(line)?.[1];
    if (value === undefined) continue;
    if (section === '') top = unquote(value);
    else if (profile && section === `profiles.${profile}`) inProfile = unquote(value);
  }
  return inProfile ?? top;
}

function unquote(value: string): string {
  return value.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}
