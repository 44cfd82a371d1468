/**
 * The package as a user gets it: a copy of this working tree without any build output is packed
 * with `npm pack` (which builds it), installed globally into an empty prefix, and its `agentd` and
 * `agentctl` do a real round trip; `npx --package <tarball> agentd --help` works too.
 *
 * Offline: npm takes every package from its cache (`--prefer-offline`; only the registry is
 * reachable here, and only for metadata it has never cached). better-sqlite3's install script
 * would download a prebuilt binary from GitHub or else compile SQLite for minutes; it is handed the
 * binary this checkout already built, as a "local prebuild" (prebuild-install's
 * npm_config_better_sqlite3_local_prebuilds), so nothing else is downloaded and nothing compiled.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../bench/support/repo.js';
import { startAgentd, type AgentdProcess } from '../../bench/support/agentd.js';
import { runToCompletion } from '../support/processes.js';

const run = promisify(execFile);
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const SQLITE = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
const SLOW = { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 };

/** The environment without the outer npm's variables (`npm test` sets npm_config_local_prefix and more). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return runToCompletion(file, args, { cwd, env });
}

describe('npm pack → npm install -g → agentd and agentctl', () => {
  let work: string;
  let tarball: string;
  let prefix: string;
  let listing: string[];
  let install: { code: number | null; stdout: string; stderr: string };
  let npx: { code: number | null; stdout: string; stderr: string };
  let npmCache: string;
  let daemon: AgentdProcess | undefined;
  let installEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'agentd-pack-'));
    // A checkout of the working tree as a fresh clone has it: tracked and new files, no dist/.
    const checkout = join(work, 'checkout');
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, ...SLOW });
    for (const file of stdout.split('\0').filter(Boolean)) {
      const from = join(REPO_ROOT, file);
      if (!existsSync(from)) continue;
      mkdirSync(dirname(join(checkout, file)), { recursive: true });
      cpSync(from, join(checkout, file));
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    expect(existsSync(join(checkout, 'dist'))).toBe(false);

    const env = cleanEnv();
    const packed = await exec('npm', ['pack', '--pack-destination', work], checkout, env);
    if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stdout}\n${packed.stderr}`);
    tarball = join(work, `${PKG.name}-${PKG.version}.tgz`);
    listing = (await run('tar', ['tzf', tarball], SLOW)).stdout.split('\n').filter(Boolean);
    expect(existsSync(join(checkout, 'npm-shrinkwrap.json')), 'postpack removes the shrinkwrap').toBe(false);

    // better-sqlite3's binary as prebuild-install names and packs it.
    const prebuilds = join(work, 'prebuilds');
    mkdirSync(prebuilds);
    const name = `better-sqlite3-v${SQLITE.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    await run('tar', ['czf', join(prebuilds, name), '-C', join(REPO_ROOT, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node'], SLOW);
    installEnv = cleanEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds });

    prefix = join(work, 'prefix');
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(prefix);
    mkdirSync(elsewhere);
    npmCache = (await run('npm', ['config', 'get', 'cache'], { cwd: elsewhere, env, ...SLOW })).stdout.trim();
    [install, npx] = await Promise.all([
      exec('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], elsewhere, installEnv),
      exec('npx', ['--yes', '--prefer-offline', '--package', tarball, 'agentd', '--help'], elsewhere, installEnv),
    ]);
  }, 900_000);

  afterAll(async () => {
    await daemon?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    // npx installed into its cache under a hash of the spec; remove only that install.
    const npxDir = npmCache ? join(npmCache, '_npx') : '';
    if (npxDir && existsSync(npxDir)) {
      for (const entry of readdirSync(npxDir)) {
        const manifest = join(npxDir, entry, 'package.json');
        if (existsSync(manifest) && tarball && readFileSync(manifest, 'utf8').includes(tarball)) rmSync(join(npxDir, entry), { recursive: true, force: true });
      }
    }
  });

  it('the tarball holds the built daemon and CLI, its docs and a shrinkwrap, and nothing for development', () => {
    for (const file of [
      'bin/agentd', 'bin/agentctl', 'bin/package.json', 'dist/src/agentd.js', 'dist/src/agentctl.bundle.cjs',
      'dist/src/store/sqlite/migrations/001_initial.sql', 'README.md', 'docs/SKILL.md', 'package.json', 'npm-shrinkwrap.json',
      'dist/web/index.html', 'dist/web/sw.js', 'dist/web/manifest.webmanifest', 'dist/web/icons/icon-512.png',
    ]) expect(listing, file).toContain(`package/${file}`);
    expect(listing.filter((f) => /^package\/dist\/web\/assets\/app-[\w-]+\.js$/.test(f)).length, 'the web client bundle').toBe(1);
    const unwanted = listing.filter((f) => /^package\/(src|test|bench|scripts|dist\/bench|node_modules)\/|\.map$|\.ts$|package-lock\.json$/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('the shrinkwrap pins the runtime tree only (no agent CLIs, no test tools) with the Node 20 pins', async () => {
    const shrinkwrap = JSON.parse((await run('tar', ['xzf', tarball, '-O', 'package/npm-shrinkwrap.json'], SLOW)).stdout) as {
      packages: Record<string, { version?: string; dev?: boolean; devDependencies?: unknown }>;
    };
    const paths = Object.keys(shrinkwrap.packages);
    expect(paths).toContain('node_modules/better-sqlite3');
    expect(paths.filter((p) => /@openai\/codex|@anthropic-ai\/claude-code|vitest|typescript|esbuild/.test(p))).toEqual([]);
    expect(Object.values(shrinkwrap.packages).some((p) => p.dev)).toBe(false);
    expect(shrinkwrap.packages['']!.devDependencies).toBeUndefined();
    expect(shrinkwrap.packages['node_modules/fastify/node_modules/light-my-request']?.version).toBe('6.6.0');
  });

  it('installs globally into an empty prefix, with only the runtime dependencies', () => {
    expect(install.code, install.stderr).toBe(0);
    const installed = join(prefix, 'lib', 'node_modules', PKG.name, 'node_modules');
    expect(existsSync(join(installed, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    expect(existsSync(join(installed, 'fastify'))).toBe(true);
    for (const dev of ['@openai/codex', '@anthropic-ai/claude-code', 'typescript', 'vitest', 'esbuild']) {
      expect(existsSync(join(installed, dev)), `${dev} is not installed for users`).toBe(false);
    }
  });

  it('agentd --version and agentctl --version from the prefix print the package version', async () => {
    const env = cleanEnv();
    const [d, c] = await Promise.all([
      exec(join(prefix, 'bin', 'agentd'), ['--version'], work, env),
      exec(join(prefix, 'bin', 'agentctl'), ['--version'], work, env),
    ]);
    expect(d.stdout).toBe(`${PKG.version}\n`);
    expect(c.stdout).toBe(`${PKG.version}\n`);
  });

  it('a round trip: agentd runs an agent that finds the installed agentctl on its PATH; agentctl follows it', async () => {
    const home = join(work, 'home');
    mkdirSync(home);
    const agentctlBin = join(prefix, 'bin', 'agentctl');
    daemon = await startAgentd(
      ['--db', join(home, 'agentd.db'), '--default-provider', 'command',
        '--command-bin', '/bin/sh', '--command-arg', '-c', '--command-arg', 'command -v agentctl; agentctl --version'],
      { HOME: home },
      join(prefix, 'bin', 'agentd'),
    );
    const env = cleanEnv({ AGENTCTL_URL: daemon.url });
    // The installed daemon serves its web client.
    const page = await fetch(`${daemon.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const status = await exec(agentctlBin, ['daemon', 'status'], home, env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`agentd ${PKG.version}`);
    expect(status.stderr).toBe('');

    const session = (await exec(agentctlBin, ['--field', 'session.id', 'session', 'create'], home, env)).stdout.trim();
    const followed = await exec(agentctlBin, ['message', 'send', '--session-id', session, '--text', 'go', '--follow'], home, env);
    expect(followed.code, followed.stderr).toBe(0);
    const packageBin = join(prefix, 'lib', 'node_modules', PKG.name, 'bin', 'agentctl');
    expect(followed.stdout).toMatch(new RegExp(`\\(queued\\)\\n${packageBin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n${PKG.version.replace(/\./g, '\\.')}\\n$`));
    const runId = /run {5}(run_\w+)/.exec(followed.stdout)![1]!;
    const waited = await exec(agentctlBin, ['run', 'wait', '--run-id', runId], home, env);
    expect(waited).toEqual({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });

  it('npx --package <tarball> agentd --help', () => {
    expect(npx.code, npx.stderr).toBe(0);
    expect(npx.stdout).toMatch(/^Usage: agentd \[options\]/);
  });
});
