/**
 * Are the agent CLIs there, the versions agentd was tested with, and logged in? Each question is
 * answered by running the CLI's own cheap subcommands (`--version`, `login status`, `auth
 * status`) with an argv and a timeout — never a model call, so no tokens are spent.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { fail, pass, warn, type Check } from './check.js';

export interface ProviderCheckInput {
  name: 'codex' | 'claude';
  /** As configured: a bare name looked up on PATH, or a path. */
  bin: string;
  /** The environment agents get (PATH, HOME, CODEX_HOME, API keys). */
  env: NodeJS.ProcessEnv;
  /** The version the test suite pins (package.json devDependencies); null when unknown. */
  tested: string | null;
  /** Whether sessions use it by default: a missing default provider fails, another warns. */
  isDefault: boolean;
}

const INSTALL = { codex: '@openai/codex', claude: '@anthropic-ai/claude-code' } as const;

/** The executable `bin` resolves to with `env`'s PATH, or null. */
export function resolveExecutable(bin: string, env: NodeJS.ProcessEnv): string | null {
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (bin.includes('/')) {
    const path = isAbsolute(bin) ? bin : resolve(bin);
    return executable(path) ? path : null;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, bin))) return join(dir, bin);
  }
  return null;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(path: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Ran> {
  return new Promise((resolvePromise) => {
    const child = spawn(path, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err) => resolvePromise({ code: -1, stdout, stderr: err.message }));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

const versionIn = (text: string) => /(\d+\.\d+\.\d+(?:[-+][\w.]+)?)/.exec(text)?.[1] ?? null;

/** codex works without `codex login` when an API key is in the environment or config.toml names another provider. */
function codexCredentialsElsewhere(env: NodeJS.ProcessEnv): string | null {
  if (env.OPENAI_API_KEY) return 'OPENAI_API_KEY is set';
  const home = env.CODEX_HOME ?? (env.HOME ? join(env.HOME, '.codex') : null);
  const config = home ? join(home, 'config.toml') : null;
  if (config && existsSync(config)) {
    const provider = /^\s*model_provider\s*=\s*"([^"]+)"/m.exec(readFileSync(config, 'utf8'))?.[1];
    if (provider && provider !== 'openai') return `config.toml uses model provider "${provider}"`;
  }
  return null;
}

export async function checkProvider(input: ProviderCheckInput): Promise<Check[]> {
  const { name, env } = input;
  const path = resolveExecutable(input.bin, env);
  if (!path) {
    const summary = `"${input.bin}" not found${input.bin.includes('/') ? '' : " on agentd's PATH"}`;
    const fix = `npm install -g ${INSTALL[name]}${input.tested ? `@${input.tested}` : ''}, or start agentd with --${name}-bin /absolute/path/to/${name}`;
    const unused = input.isDefault ? '' : ` (only sessions created with --provider ${name} need it)`;
    return [input.isDefault ? fail(name, summary, fix) : warn(name, summary + unused, fix)];
  }
  const checks: Check[] = [];
  const version = await run(path, ['--version'], env);
  const found = versionIn(version.stdout);
  if (version.code !== 0 || !found) {
    checks.push(fail(name, `${path} --version failed (exit ${version.code}): ${(version.stderr || version.stdout).trim().slice(0, 200)}`, `reinstall it: npm install -g ${INSTALL[name]}${input.tested ? `@${input.tested}` : ''}`));
    return checks;
  }
  if (input.tested && found !== input.tested) {
    checks.push(warn(name, `${found} at ${path}; agentd is tested with ${input.tested}`, `npm install -g ${INSTALL[name]}@${input.tested} (other versions may print output agentd does not understand)`));
  } else {
    checks.push(pass(name, `${found} at ${path}`));
  }
  checks.push(name === 'codex' ? await codexLogin(path, env) : await claudeLogin(path, env));
  return checks;
}

async function codexLogin(path: string, env: NodeJS.ProcessEnv): Promise<Check> {
  const status = await run(path, ['login', 'status'], env);
  if (status.code === 0) return pass('codex login', (status.stdout || status.stderr).trim().split('\n').at(-1) ?? 'logged in');
  const elsewhere = codexCredentialsElsewhere(env);
  if (elsewhere) return pass('codex login', `not logged in, but ${elsewhere}`);
  return fail('codex login', 'not logged in', "run `codex login` as the user agentd runs as (or set OPENAI_API_KEY in agentd's environment)");
}

async function claudeLogin(path: string, env: NodeJS.ProcessEnv): Promise<Check> {
  const status = await run(path, ['auth', 'status'], env);
  let loggedIn = false;
  let method = '';
  try {
    const parsed = JSON.parse(status.stdout) as { loggedIn?: boolean; authMethod?: string };
    loggedIn = parsed.loggedIn === true;
    method = parsed.authMethod ?? '';
  } catch {
    // not JSON: judged by the exit code below
  }
  if (loggedIn || (status.code === 0 && status.stdout.trim() === '')) return pass('claude login', `logged in${method ? ` (${method})` : ''}`);
  return fail('claude login', 'not logged in', "run `claude` and `/login` as the user agentd runs as (or set ANTHROPIC_API_KEY in agentd's environment)");
}
