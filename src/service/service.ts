/**
 * `agentd service install|uninstall|status`: run agentd at login (and, with lingering, at boot)
 * under the user's service manager — a systemd user unit on Linux, a launchd agent on macOS —
 * with the flags given to `install` and an environment file for what must not be in the unit
 * (tokens) and what a service manager does not provide (the user's PATH).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseConfig } from '../config.js';
import { BIN_DIR, PACKAGE_ROOT } from '../paths.js';
import {
  LAUNCHD_LABEL, SYSTEMD_UNIT_NAME, parseEnvFile, renderEnvFile, renderLaunchdPlist, renderSystemdUnit, type ServiceSpec,
} from './units.js';

export type Platform = 'linux' | 'darwin';

export interface ServiceContext {
  platform: Platform;
  /** HOME, XDG_CONFIG_HOME, PATH and AGENTD_* come from here. */
  env: NodeJS.ProcessEnv;
  cwd: string;
  nodePath: string;
  uid: number;
  print(text: string): void;
  /** Runs a service-manager command (argv, no shell). */
  run(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export class ServiceUsageError extends Error {}

interface FileToWrite {
  path: string;
  content: string;
  mode: number;
}

/** Variables of an agent's own environment: an agent running `agentd service install` must not hand them on. */
const AGENT_VARS = new Set(['AGENTD_URL', 'AGENTD_TOKEN', 'AGENTD_RUN_ID', 'AGENTD_SESSION_ID', 'AGENTD_PARENT_RUN_ID']);

export function servicePaths(ctx: Pick<ServiceContext, 'platform' | 'env'>) {
  const home = ctx.env.HOME;
  if (!home) throw new ServiceUsageError('HOME is not set: cannot tell where user services live');
  const config = ctx.env.XDG_CONFIG_HOME || join(home, '.config');
  const envFile = join(config, 'agentd', 'agentd.env');
  if (ctx.platform === 'linux') return { unit: join(config, 'systemd', 'user', SYSTEMD_UNIT_NAME), envFile, logDir: null };
  return { unit: join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`), envFile, logDir: join(home, 'Library', 'Logs', 'agentd') };
}

/** Splits `--flag value` / `--flag=value` occurrences of `names` out of argv. */
function extract(argv: string[], names: string[]): { rest: string[]; values: Record<string, string[]> } {
  const rest: string[] = [];
  const values: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = names.find((n) => arg === n || arg.startsWith(`${n}=`));
    if (!name) {
      rest.push(arg);
      continue;
    }
    if (arg === name) {
      const value = argv[++i];
      if (value === undefined) throw new ServiceUsageError(`${name} needs a value`);
      values[name]!.push(value);
    } else {
      values[name]!.push(arg.slice(name.length + 1));
    }
  }
  return { rest, values };
}

/** What `install` would write and run, from agentd's flags as given. */
export function planInstall(ctx: ServiceContext, daemonArgv: string[]) {
  // The same parser agentd uses: a flag that would stop agentd from starting stops the install.
  const config = parseConfig(daemonArgv, ctx.env, ctx.cwd);
  const { rest, values } = extract(daemonArgv, ['--auth-token', '--metrics-token', '--db', '--log-file']);
  // Paths absolute, so the service finds the same files whatever its working directory.
  const args = [...rest, '--db', config.dbPath, ...(config.ops.log.file ? ['--log-file', config.ops.log.file] : [])];
  const paths = servicePaths(ctx);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.env)) {
    if (key.startsWith('AGENTD_') && !AGENT_VARS.has(key) && value !== undefined) env[key] = value;
  }
  env.PATH = ctx.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  const tokens = values['--auth-token']!;
  if (tokens.some((t) => t.includes(','))) throw new ServiceUsageError('an --auth-token with a comma cannot go in AGENTD_AUTH_TOKENS; write it into the environment file by hand');
  if (tokens.length) env.AGENTD_AUTH_TOKENS = [...(env.AGENTD_AUTH_TOKENS ? [env.AGENTD_AUTH_TOKENS] : []), ...tokens].join(',');
  const metrics = values['--metrics-token']!.at(-1);
  if (metrics) env.AGENTD_METRICS_TOKEN = metrics;
  // Keys added to the file by hand (API keys, say) survive a reinstall; what is given now wins.
  const previous = existsSync(paths.envFile) ? parseEnvFile(readFileSync(paths.envFile, 'utf8')) : {};
  const spec: ServiceSpec = {
    node: ctx.nodePath,
    script: join(BIN_DIR, 'agentd'),
    args,
    workingDirectory: ctx.cwd,
    envFile: paths.envFile,
    docs: join(PACKAGE_ROOT, 'docs', 'runbook.md'),
  };
  const files: FileToWrite[] = [{ path: paths.envFile, content: renderEnvFile({ ...previous, ...env }), mode: 0o600 }];
  let commands: string[][];
  if (ctx.platform === 'linux') {
    files.unshift({ path: paths.unit, content: renderSystemdUnit(spec), mode: 0o644 });
    commands = [['systemctl', '--user', 'daemon-reload'], ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT_NAME]];
  } else {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    if (major === 20 && minor < 6) throw new ServiceUsageError('the launchd agent needs Node ≥ 20.6 (node --env-file)');
    files.unshift({ path: paths.unit, content: renderLaunchdPlist(spec, paths.logDir!), mode: 0o644 });
    commands = [['launchctl', 'bootstrap', `gui/${ctx.uid}`, paths.unit]];
  }
  return { files, commands, paths, config };
}

const shown = (argv: string[]) => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

async function install(ctx: ServiceContext, argv: string[], opts: { dryRun: boolean; start: boolean }): Promise<number> {
  const plan = planInstall(ctx, argv);
  if (opts.dryRun) {
    for (const f of plan.files) ctx.print(`--- ${f.path} (mode ${f.mode.toString(8)})\n${f.content}`);
    ctx.print(`--- would run\n${plan.commands.map(shown).join('\n')}\n`);
    return 0;
  }
  for (const f of plan.files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content, { mode: f.mode });
    chmodSync(f.path, f.mode);
    ctx.print(`wrote ${f.path}\n`);
  }
  if (plan.paths.logDir) mkdirSync(plan.paths.logDir, { recursive: true });
  if (!opts.start) {
    ctx.print(`not started (--no-start); to start it now and at every login:\n${plan.commands.map(shown).join('\n')}\n`);
    return 0;
  }
  if (ctx.platform === 'darwin') await ctx.run(['launchctl', 'bootout', `gui/${ctx.uid}/${LAUNCHD_LABEL}`]); // a previous install; may not exist
  for (const command of plan.commands) {
    const result = await ctx.run(command);
    if (result.code !== 0) {
      ctx.print(`${shown(command)} failed (exit ${result.code}): ${result.stderr.trim()}\nThe files are written; run the command again once the service manager is reachable.\n`);
      return 1;
    }
  }
  const logs = ctx.platform === 'linux' ? 'journalctl --user -u agentd -f' : `tail -f ${plan.paths.logDir}/agentd.log`;
  ctx.print(`agentd runs as a service now, on ${plan.config.host}:${plan.config.port}. Logs: ${logs}\n`);
  if (ctx.platform === 'linux') ctx.print('To keep it running while you are logged out (and start it at boot): loginctl enable-linger\n');
  return 0;
}

async function uninstall(ctx: ServiceContext, opts: { start: boolean }): Promise<number> {
  const paths = servicePaths(ctx);
  const stop = ctx.platform === 'linux'
    ? [['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT_NAME]]
    : [['launchctl', 'bootout', `gui/${ctx.uid}/${LAUNCHD_LABEL}`]];
  if (opts.start) for (const command of stop) await ctx.run(command);
  else ctx.print(`not stopped (--no-start); run:\n${stop.map(shown).join('\n')}\n`);
  if (existsSync(paths.unit)) {
    rmSync(paths.unit);
    ctx.print(`removed ${paths.unit}\n`);
  } else {
    ctx.print(`no service installed (${paths.unit} does not exist)\n`);
  }
  if (opts.start && ctx.platform === 'linux') await ctx.run(['systemctl', '--user', 'daemon-reload']);
  if (existsSync(paths.envFile)) ctx.print(`kept ${paths.envFile} (it may hold tokens; delete it if you no longer need it)\n`);
  return 0;
}

async function status(ctx: ServiceContext): Promise<number> {
  const paths = servicePaths(ctx);
  const installed = existsSync(paths.unit);
  ctx.print(`${ctx.platform === 'linux' ? 'systemd user unit' : 'launchd agent'}: ${installed ? paths.unit : 'not installed'}\n`);
  if (!installed) return 3;
  let state: string;
  let running = false;
  if (ctx.platform === 'linux') {
    const r = await ctx.run(['systemctl', '--user', 'show', SYSTEMD_UNIT_NAME, '-p', 'ActiveState,SubState,UnitFileState,MainPID']);
    if (r.code !== 0) state = `unknown: systemctl --user is not reachable (${(r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.code}`})`;
    else {
      const p = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=') as [string, string]));
      running = p.ActiveState === 'active';
      state = `${p.ActiveState} (${p.SubState}), ${p.UnitFileState}${p.MainPID && p.MainPID !== '0' ? `, pid ${p.MainPID}` : ''}`;
    }
    ctx.print(`state: ${state}\nlogs: journalctl --user -u agentd\n`);
  } else {
    const r = await ctx.run(['launchctl', 'print', `gui/${ctx.uid}/${LAUNCHD_LABEL}`]);
    if (r.code !== 0) state = 'not loaded (launchctl bootstrap it, or agentd service install)';
    else {
      const s = /^\s*state = (.+)$/m.exec(r.stdout)?.[1] ?? 'loaded';
      const pid = /^\s*pid = (\d+)$/m.exec(r.stdout)?.[1];
      running = s === 'running';
      state = `${s}${pid ? `, pid ${pid}` : ''}`;
    }
    ctx.print(`state: ${state}\nlogs: ${paths.logDir}/agentd.log\n`);
  }
  ctx.print(`environment: ${paths.envFile}\n`);
  // The LSB convention status commands follow: 0 running, 3 not running.
  return running ? 0 : 3;
}

export const SERVICE_USAGE = `usage: agentd service install [--dry-run] [--no-start] [--platform linux|darwin] [agentd flags…]
       agentd service uninstall [--no-start] [--platform linux|darwin]
       agentd service status [--platform linux|darwin]

install   writes a systemd user unit (Linux) or a launchd agent (macOS) that runs agentd with the
          flags given, and ~/.config/agentd/agentd.env (mode 600) with tokens, AGENTD_* and PATH;
          then enables and starts it. --dry-run prints the files; --no-start writes them only.
uninstall stops and removes the unit (the environment file is kept).
status    whether it is installed and running; exit 0 running, 3 not.
`;

/** Runs `agentd service …`; returns the exit code. */
export async function serviceMain(argv: string[], ctx: Omit<ServiceContext, 'platform'> & { platform: string }): Promise<number> {
  const [action, ...rest] = argv;
  const { rest: args, values } = extract(rest, ['--platform']);
  const platform = values['--platform']!.at(-1) ?? ctx.platform;
  if (platform !== 'linux' && platform !== 'darwin') throw new ServiceUsageError(`agentd service supports Linux (systemd) and macOS (launchd), not ${platform}`);
  const flags = new Set<string>(args.filter((a) => a === '--dry-run' || a === '--no-start'));
  const daemonArgs = args.filter((a) => !flags.has(a));
  const c: ServiceContext = { ...ctx, platform };
  switch (action) {
    case 'install':
      return install(c, daemonArgs, { dryRun: flags.has('--dry-run'), start: !flags.has('--no-start') });
    case 'uninstall':
      if (daemonArgs.length) throw new ServiceUsageError(`uninstall takes no agentd flags (${daemonArgs.join(' ')})`);
      return uninstall(c, { start: !flags.has('--no-start') });
    case 'status':
      if (daemonArgs.length || flags.size) throw new ServiceUsageError('status takes only --platform');
      return status(c);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      ctx.print(SERVICE_USAGE);
      return action === undefined ? 2 : 0;
    default:
      throw new ServiceUsageError(`unknown service command "${action}"`);
  }
}

/** Runs a command to completion, capturing its output (the real service manager). */
export function runCommand(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
