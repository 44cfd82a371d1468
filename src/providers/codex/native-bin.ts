/**
 * The npm package's `codex` is a node script that finds its platform's native binary and runs it.
 * Starting node for that is paid on every turn: measured here, a cold app-server turn took 761 ms
 * through the script and 336 ms from the binary (loaded machine, medians of 7; docs/benchmarks.md).
 * So when `--codex-bin` is that script, agentd runs the binary the script would have run, with the
 * variables it would have set. Anything else (a native install, a wrapper of the user's) runs as is.
 */
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';

export interface CodexLaunch {
  /** The native executable. */
  file: string;
  /** What the npm script sets for it (codex reads them to tell how it was installed). */
  env: Record<string, string>;
}

/** The npm platform package and Rust target of this machine, as the npm script picks them. */
function platformTarget(): { pkg: string; triple: string } | null {
  const key = `${process.platform}-${process.arch}`;
  const targets: Record<string, { pkg: string; triple: string }> = {
    'linux-x64': { pkg: '@openai/codex-linux-x64', triple: 'x86_64-unknown-linux-musl' },
    'linux-arm64': { pkg: '@openai/codex-linux-arm64', triple: 'aarch64-unknown-linux-musl' },
    'darwin-x64': { pkg: '@openai/codex-darwin-x64', triple: 'x86_64-apple-darwin' },
    'darwin-arm64': { pkg: '@openai/codex-darwin-arm64', triple: 'aarch64-apple-darwin' },
  };
  return targets[key] ?? null;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `bin` as spawn would find it: a path as given, a bare name on PATH. */
function locate(bin: string, pathEnv: string | undefined): string | null {
  if (bin.includes('/')) return isAbsolute(bin) || existsSync(bin) ? bin : null;
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, bin))) return join(dir, bin);
  }
  return null;
}

/** The native codex behind `bin` when `bin` is the npm package's script; null otherwise. */
export function nativeCodex(bin: string, pathEnv: string | undefined): CodexLaunch | null {
  const target = platformTarget();
  const found = locate(bin, pathEnv);
  if (!target || !found) return null;
  let script: string;
  try {
    script = realpathSync(found);
  } catch {
    return null;
  }
  if (basename(script) !== 'codex.js' || basename(dirname(script)) !== 'bin') return null;
  const packageRoot = dirname(dirname(script));
  try {
    if ((JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { name?: string }).name !== '@openai/codex') return null;
  } catch {
    return null;
  }
  // Resolved from the script's own location, as the script resolves it; older packages vendor it.
  let vendorRoot = join(packageRoot, 'vendor');
  try {
    vendorRoot = join(dirname(createRequire(script).resolve(`${target.pkg}/package.json`)), 'vendor');
  } catch {
    // Not installed as a separate package: the fallback above.
  }
  const file = join(vendorRoot, target.triple, 'bin', 'codex');
  if (!isExecutableFile(file)) return null;
  return { file, env: { CODEX_MANAGED_PACKAGE_ROOT: packageRoot, CODEX_MANAGED_BY_NPM: '1' } };
}

/** The agent's environment with what the npm script would have set (and the variables it clears). */
export function launchEnv(env: NodeJS.ProcessEnv, launch: CodexLaunch): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const key of Object.keys(out)) if (key.startsWith('CODEX_MANAGED_BY_')) delete out[key];
  return { ...out, ...launch.env };
}
