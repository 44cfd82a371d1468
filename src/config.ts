/**
 * agentd configuration: flags > environment > defaults, parsed once into one typed object.
 * Nothing else in the daemon reads process.env.
 */
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { LOG_FORMATS, type LogFormat, type LogSettings } from './logging.js';
import { APPROVAL_POLICIES, isApprovalPolicy, type ApprovalPolicy } from './domain/approval-policy.js';
import { COMMAND_PROTOCOLS, type CommandProtocol } from './providers/command/command-provider.js';
import { VERSION } from './paths.js';
import { parseTokenSpec, parseTokensFile, TokenSpecError, uniqueTokens, type OperatorToken } from './domain/operator-tokens.js';

export interface Config {
  host: string;
  port: number;
  dbPath: string;
  maxConcurrency: number;
  defaultProvider: string;
  codex: { bin: string; profile: string | null; extraArgs: string[] };
  claude: { bin: string; extraArgs: string[] };
  command: { argv: string[]; protocol: CommandProtocol };
  /** The daemon's approval policy, allow rules and how long an approval waits for an answer. */
  approvals: { policy: ApprovalPolicy; allow: string[]; timeoutS: number };
  /** Operator tokens from flags and environment, as given: `SECRET` or `NAME:SECRET`. */
  authTokens: string[];
  /** More operator tokens, one per line; re-read on SIGHUP. */
  tokensFile: string | null;
  /** Host names (besides loopback and --host) requests may be addressed to, e.g. a reverse proxy's. */
  allowedHosts: string[];
  /** Web origins (`scheme://host[:port]`) besides agentd's own that may call it from a browser. */
  allowedOrigins: string[];
  /** Lifetime of a browser sign-in (session cookie), seconds. */
  signInTtlS: number;
  bodyLimitBytes: number;
  logLevel: string;
  /** Wall-clock limit per run, seconds; 0 disables. */
  runTimeoutS: number;
  /** A run that prints nothing for this long is killed, seconds; 0 disables. */
  idleTimeoutS: number;
  /** SIGTERM → SIGKILL grace when cancelling, milliseconds. */
  cancelGraceMs: number;
  resumeInterrupted: boolean;
  maxDepth: number;
  maxChildrenPerRun: number;
  /** Heartbeat frames on streams (and WebSocket pings), milliseconds. */
  streamHeartbeatMs: number;
  /** A stream whose unread output exceeds this is closed with a resume cursor, bytes. */
  streamBufferBytes: number;
  /** Lifetime of a stream ticket, seconds. */
  streamTicketTtlS: number;
  /** Notifications: may webhooks and push endpoints be on loopback or private addresses; the VAPID subject. */
  notifications: { allowPrivate: boolean; pushSubject: string };
  /** The environment handed to agent processes (the user's own, so CLIs find their config). */
  agentEnv: NodeJS.ProcessEnv;
  /** Working directory of a session created without `cwd`: where agentd was started. */
  sessionCwd: string;
  /** Directories sessions may work under, real paths (symlinks resolved); empty allows any. */
  allowedRoots: string[];
  /** Where `--worktree` sessions get their git worktrees. */
  worktreesDir: string;
  /** The git executable (worktrees, diffs). */
  gitBin: string;
  /** Spend limits of every session (with its children) unless the session sets its own; 0 = none. */
  budgets: { maxCostUsd: number; maxTokens: number };
  /** Operating agentd (issue 18): logs, metrics, retention. */
  ops: OpsConfig;
}

export interface OpsConfig {
  /** The level is `Config.logLevel`. */
  log: Omit<LogSettings, 'level'>;
  /** A bearer token that may read GET /metrics and nothing else. */
  metricsToken: string | null;
  /** Events and messages of ended sessions older than this are deleted; 0 keeps everything. */
  retainDays: number;
}

export class ConfigError extends Error {}

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];
const amount = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0`);
  return n;
};

function envList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function envJsonArray(name: string, value: string | undefined): string[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed;
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(`${name} must be a JSON array of strings`);
}

export function buildAgentdCommand(): Command {
  return new Command('agentd')
    .description('agent-orchestrator gateway daemon')
    .version(VERSION)
    .option('--host <host>', 'address to listen on (AGENTD_HOST)')
    .option('--port <port>', 'port to listen on, 0 picks a free one (AGENTD_PORT)', int('--port', 0))
    .option('--db <path>', 'SQLite database file (AGENTD_DB)')
    .option('--max-concurrency <n>', 'worker pool size (AGENTD_MAX_CONCURRENCY)', int('--max-concurrency', 1))
    .option('--default-provider <name>', 'provider for new sessions: codex, claude, command (AGENTD_DEFAULT_PROVIDER)')
    .option('--codex-bin <path>', 'codex executable (AGENTD_CODEX_BIN)')
    .option('--codex-profile <name>', 'codex --profile for every run (AGENTD_CODEX_PROFILE)')
    .option('--codex-extra-arg <arg>', 'extra codex argument, repeatable', collect)
    .option('--claude-bin <path>', 'claude executable (AGENTD_CLAUDE_BIN)')
    .option('--claude-extra-arg <arg>', 'extra claude argument, repeatable', collect)
    .option('--command-bin <path>', 'executable of the command provider (AGENTD_COMMAND_BIN)')
    .option('--command-arg <arg>', 'argument of the command provider, repeatable (AGENTD_COMMAND_ARGS, JSON array)', collect)
    .option('--command-protocol <protocol>', `how the command provider talks to its script: ${COMMAND_PROTOCOLS.join(', ')} (AGENTD_COMMAND_PROTOCOL)`)
    .option('--approval-policy <policy>', `approval policy of sessions that set none: ${APPROVAL_POLICIES.join(', ')} (AGENTD_APPROVAL_POLICY)`)
    .option('--approval-allow <rule>', 'command prefix or tool name that never asks, repeatable (AGENTD_APPROVAL_ALLOW, JSON array)', collect)
    .option('--approval-timeout <seconds>', 'an unanswered approval is denied after this long (AGENTD_APPROVAL_TIMEOUT)', int('--approval-timeout', 1))
    .option('--auth-token <token>', 'bearer token, NAME:SECRET or SECRET, repeatable (AGENTD_AUTH_TOKEN, AGENTD_AUTH_TOKENS)', collect)
    .option('--tokens-file <path>', 'file of tokens, one NAME:SECRET per line, re-read on SIGHUP (AGENTD_TOKENS_FILE)')
    .option('--allowed-host <host>', 'also answer requests addressed to this host name, repeatable (AGENTD_ALLOWED_HOSTS)', collect)
    .option('--allowed-origin <origin>', 'let web pages of this origin call agentd, repeatable (AGENTD_ALLOWED_ORIGINS)', collect)
    .option('--body-limit <bytes>', 'largest accepted request body (AGENTD_BODY_LIMIT)', int('--body-limit', 1024))
    .option('--log-level <level>', 'pino log level (AGENTD_LOG_LEVEL)')
    .option('--run-timeout <seconds>', 'wall-clock limit per run, 0 = none (AGENTD_RUN_TIMEOUT)', int('--run-timeout', 0))
    .option('--idle-timeout <seconds>', 'kill a run silent this long, 0 = none (AGENTD_IDLE_TIMEOUT)', int('--idle-timeout', 0))
    .option('--cancel-grace <ms>', 'SIGTERM to SIGKILL grace on cancel (AGENTD_CANCEL_GRACE_MS)', int('--cancel-grace', 0))
    .option('--resume-interrupted', 're-queue runs a crashed daemon left running, when their thread can resume')
    .option('--max-depth <n>', 'deepest child session allowed (AGENTD_MAX_DEPTH)', int('--max-depth', 0))
    .option('--stream-heartbeat-ms <ms>', 'heartbeat interval of streams (AGENTD_STREAM_HEARTBEAT_MS)', int('--stream-heartbeat-ms', 100))
    .option('--stream-buffer-bytes <bytes>', 'unread bytes before a slow stream is cut off (AGENTD_STREAM_BUFFER_BYTES)', int('--stream-buffer-bytes', 1024))
    .option('--max-children <n>', 'most child sessions one run may spawn (AGENTD_MAX_CHILDREN)', int('--max-children', 0))
    .option('--allowed-root <dir>', 'sessions may only work under this directory, repeatable; required beyond loopback (AGENTD_ALLOWED_ROOTS)', collect)
    .option('--worktrees-dir <dir>', 'where --worktree sessions get their git worktrees (AGENTD_WORKTREES_DIR, default: worktrees/ beside the database)')
    .option('--git-bin <path>', 'git executable (AGENTD_GIT_BIN)')
    .option('--max-cost-per-session <usd>', 'spend limit of a session and its children, 0 = none (AGENTD_MAX_COST_PER_SESSION)', amount('--max-cost-per-session'))
    .option('--max-tokens-per-session <n>', 'token limit of a session and its children, 0 = none (AGENTD_MAX_TOKENS_PER_SESSION)', int('--max-tokens-per-session', 0))
    .option('--webhook-allow-private', 'let webhooks and push endpoints be on loopback or private addresses (AGENTD_WEBHOOK_ALLOW_PRIVATE=1)')
    .option('--push-subject <uri>', 'mailto: or https: contact sent to push services with Web Push (AGENTD_PUSH_SUBJECT)')
    .option('--log-format <format>', 'auto (pretty on a terminal, JSON otherwise), pretty or json (AGENTD_LOG_FORMAT)')
    .option('--log-file <path>', 'JSON log lines into this file, rotated, instead of stdout (AGENTD_LOG_FILE)')
    .option('--log-rotate-mb <n>', 'rotate the log file at this size (AGENTD_LOG_ROTATE_MB)', int('--log-rotate-mb', 1))
    .option('--log-rotate-keep <n>', 'rotated log files kept (AGENTD_LOG_ROTATE_KEEP)', int('--log-rotate-keep', 1))
    .option('--metrics-token <token>', 'a token that may read GET /metrics only (AGENTD_METRICS_TOKEN)')
    .option('--retain-days <n>', 'delete events and messages of ended sessions older than this, 0 = keep (AGENTD_RETAIN_DAYS)', int('--retain-days', 0))
    .addHelpText('after', '\nExamples:\n  $ agentd\n  $ AGENTD_AUTH_TOKEN=dev-token agentd --port 9000 --max-concurrency 2\n\nRun it as a service: agentd service install|uninstall|status (agentd service --help)');
}

function opsConfig(o: Record<string, unknown>, env: NodeJS.ProcessEnv, cwd: string): OpsConfig {
  const format = (o.logFormat as string | undefined) ?? env.AGENTD_LOG_FORMAT ?? 'auto';
  if (!LOG_FORMATS.includes(format as LogFormat)) throw new ConfigError(`unknown log format "${format}" (auto, pretty, json)`);
  const file = (o.logFile as string | undefined) ?? env.AGENTD_LOG_FILE;
  const metricsToken = (o.metricsToken as string | undefined) ?? env.AGENTD_METRICS_TOKEN;
  return {
    log: {
      format: format as LogFormat,
      file: file ? resolve(cwd, file) : null,
      rotateSizeMb: (o.logRotateMb as number | undefined) ?? envInt(env, 'AGENTD_LOG_ROTATE_MB', 10, 1),
      rotateKeep: (o.logRotateKeep as number | undefined) ?? envInt(env, 'AGENTD_LOG_ROTATE_KEEP', 5, 1),
    },
    metricsToken: metricsToken || null,
    retainDays: (o.retainDays as number | undefined) ?? envInt(env, 'AGENTD_RETAIN_DAYS', 0),
  };
}

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer ≥ ${min}`);
  return n;
}

export function configFromOptions(opts: Record<string, unknown>, env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const o = opts as {
    host?: string; port?: number; db?: string; maxConcurrency?: number; defaultProvider?: string;
    codexBin?: string; codexProfile?: string; codexExtraArg?: string[]; claudeBin?: string; claudeExtraArg?: string[];
    commandBin?: string; commandArg?: string[]; commandProtocol?: string; authToken?: string[]; bodyLimit?: number; logLevel?: string;
    approvalPolicy?: string; approvalAllow?: string[]; approvalTimeout?: number;
    tokensFile?: string; allowedHost?: string[]; allowedOrigin?: string[];
    runTimeout?: number; idleTimeout?: number; cancelGrace?: number; resumeInterrupted?: boolean;
    maxDepth?: number; maxChildren?: number; streamHeartbeatMs?: number; streamBufferBytes?: number;
    allowedRoot?: string[]; worktreesDir?: string; gitBin?: string; maxCostPerSession?: number; maxTokensPerSession?: number;
    webhookAllowPrivate?: boolean; pushSubject?: string;
  };
  const authTokens = [
    ...(o.authToken ?? []),
    ...envList(env.AGENTD_AUTH_TOKEN),
    ...envList(env.AGENTD_AUTH_TOKENS),
  ];
  const tokensFileOption = o.tokensFile ?? env.AGENTD_TOKENS_FILE;
  const tokensFile = tokensFileOption ? resolve(cwd, tokensFileOption) : null;
  // Checked now, so a token nobody could present stops the start instead of leaving auth on with no way in.
  const usableTokens = operatorTokens({ authTokens, tokensFile });
  const commandBin = o.commandBin ?? env.AGENTD_COMMAND_BIN;
  const commandArgs = o.commandArg ?? envJsonArray('AGENTD_COMMAND_ARGS', env.AGENTD_COMMAND_ARGS);
  const defaultProvider = o.defaultProvider ?? env.AGENTD_DEFAULT_PROVIDER ?? 'codex';
  if (!['codex', 'claude', 'command'].includes(defaultProvider)) {
    throw new ConfigError(`unknown default provider "${defaultProvider}" (codex, claude, command)`);
  }
  const commandProtocol = o.commandProtocol ?? env.AGENTD_COMMAND_PROTOCOL ?? 'plain';
  if (!(COMMAND_PROTOCOLS as readonly string[]).includes(commandProtocol)) {
    throw new ConfigError(`unknown command protocol "${commandProtocol}" (${COMMAND_PROTOCOLS.join(', ')})`);
  }
  const approvalPolicy = o.approvalPolicy ?? env.AGENTD_APPROVAL_POLICY ?? 'default';
  if (!isApprovalPolicy(approvalPolicy)) {
    throw new ConfigError(`unknown approval policy "${approvalPolicy}" (${APPROVAL_POLICIES.join(', ')})`);
  }
  const approvalAllow = (o.approvalAllow ?? envJsonArray('AGENTD_APPROVAL_ALLOW', env.AGENTD_APPROVAL_ALLOW)).map((r) => r.trim()).filter(Boolean);
  const host = o.host ?? env.AGENTD_HOST ?? '127.0.0.1';
  if (!isLoopback(host) && usableTokens.length === 0) {
    throw new ConfigError(`refusing to listen on ${host} without an auth token: anyone who can reach it could run agents as you. Set --auth-token (or AGENTD_AUTH_TOKEN), or listen on 127.0.0.1`);
  }
  const allowedRoots = (o.allowedRoot ?? (env.AGENTD_ALLOWED_ROOTS ?? '').split(delimiter).filter(Boolean)).map((dir) => allowedRoot(dir, cwd));
  if (!isLoopback(host) && allowedRoots.length === 0) {
    throw new ConfigError(`refusing to listen on ${host} without an --allowed-root: a client that can reach it could run agents in any directory. Name the directories sessions may use with --allowed-root (or AGENTD_ALLOWED_ROOTS), or listen on 127.0.0.1`);
  }
  const dbPath = resolve(cwd, o.db ?? env.AGENTD_DB ?? '.data/agent-orchestrator.db');
  return {
    host,
    port: o.port ?? envInt(env, 'AGENTD_PORT', 8765),
    dbPath,
    maxConcurrency: o.maxConcurrency ?? envInt(env, 'AGENTD_MAX_CONCURRENCY', 4, 1),
    defaultProvider,
    codex: {
      bin: o.codexBin ?? env.AGENTD_CODEX_BIN ?? 'codex',
      profile: o.codexProfile ?? env.AGENTD_CODEX_PROFILE ?? null,
      extraArgs: o.codexExtraArg ?? [],
    },
    claude: { bin: o.claudeBin ?? env.AGENTD_CLAUDE_BIN ?? 'claude', extraArgs: o.claudeExtraArg ?? [] },
    command: { argv: commandBin ? [commandBin, ...commandArgs] : [], protocol: commandProtocol as CommandProtocol },
    approvals: {
      policy: approvalPolicy,
      allow: [...new Set(approvalAllow)],
      timeoutS: o.approvalTimeout ?? envInt(env, 'AGENTD_APPROVAL_TIMEOUT', 30 * 60, 1),
    },
    authTokens: [...new Set(authTokens)],
    tokensFile,
    allowedHosts: (o.allowedHost ?? envList(env.AGENTD_ALLOWED_HOSTS)).map(allowedHost),
    allowedOrigins: (o.allowedOrigin ?? envList(env.AGENTD_ALLOWED_ORIGINS)).map(allowedOrigin),
    signInTtlS: 30 * 24 * 60 * 60,
    bodyLimitBytes: o.bodyLimit ?? envInt(env, 'AGENTD_BODY_LIMIT', 1024 * 1024, 1024),
    logLevel: o.logLevel ?? env.AGENTD_LOG_LEVEL ?? 'info',
    runTimeoutS: o.runTimeout ?? envInt(env, 'AGENTD_RUN_TIMEOUT', 0),
    idleTimeoutS: o.idleTimeout ?? envInt(env, 'AGENTD_IDLE_TIMEOUT', 0),
    cancelGraceMs: o.cancelGrace ?? envInt(env, 'AGENTD_CANCEL_GRACE_MS', 5000),
    resumeInterrupted: o.resumeInterrupted ?? env.AGENTD_RESUME_INTERRUPTED === '1',
    maxDepth: o.maxDepth ?? envInt(env, 'AGENTD_MAX_DEPTH', 3),
    maxChildrenPerRun: o.maxChildren ?? envInt(env, 'AGENTD_MAX_CHILDREN', 8),
    streamHeartbeatMs: o.streamHeartbeatMs ?? envInt(env, 'AGENTD_STREAM_HEARTBEAT_MS', 15_000, 100),
    streamBufferBytes: o.streamBufferBytes ?? envInt(env, 'AGENTD_STREAM_BUFFER_BYTES', 1024 * 1024, 1024),
    streamTicketTtlS: 60,
    notifications: {
      allowPrivate: o.webhookAllowPrivate ?? env.AGENTD_WEBHOOK_ALLOW_PRIVATE === '1',
      pushSubject: pushSubject(o.pushSubject ?? env.AGENTD_PUSH_SUBJECT ?? 'mailto:agentd@localhost'),
    },
    agentEnv: env,
    sessionCwd: cwd,
    allowedRoots,
    worktreesDir: resolve(cwd, o.worktreesDir ?? env.AGENTD_WORKTREES_DIR ?? resolve(dirname(dbPath), 'worktrees')),
    gitBin: o.gitBin ?? env.AGENTD_GIT_BIN ?? 'git',
    budgets: {
      maxCostUsd: o.maxCostPerSession ?? envAmount(env, 'AGENTD_MAX_COST_PER_SESSION'),
      maxTokens: o.maxTokensPerSession ?? envInt(env, 'AGENTD_MAX_TOKENS_PER_SESSION', 0),
    },
    ops: opsConfig(opts, env, cwd),
  };
}

function envAmount(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number ≥ 0`);
  return n;
}

/** An existing directory, as its real path: a symlinked root is compared by where it leads. */
function allowedRoot(dir: string, cwd: string): string {
  const path = resolve(cwd, dir);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new ConfigError(`--allowed-root ${path} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw new ConfigError(`--allowed-root ${path} is not a directory`);
  return real;
}

/**
 * Every operator token configured: flags and environment, then the tokens file (read again on each
 * call, so SIGHUP picks up edits). Throws ConfigError naming the source of a bad entry.
 */
export function operatorTokens(config: Pick<Config, 'authTokens' | 'tokensFile'>): OperatorToken[] {
  try {
    const tokens = config.authTokens.map((spec) => parseTokenSpec(spec, '--auth-token'));
    if (config.tokensFile) {
      let text: string;
      try {
        text = readFileSync(config.tokensFile, 'utf8');
      } catch (err) {
        throw new ConfigError(`cannot read the tokens file ${config.tokensFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      tokens.push(...parseTokensFile(text, config.tokensFile));
    }
    return uniqueTokens(tokens);
  } catch (err) {
    if (err instanceof TokenSpecError) throw new ConfigError(err.message);
    throw err;
  }
}

/** A host name or address (no port, no path), lower-cased; IPv6 without brackets. */
function allowedHost(value: string): string {
  const bare = value.trim().replace(/^\[(.*)\]$/, '$1');
  let url: URL | undefined;
  try {
    url = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`);
  } catch {
    // reported below
  }
  if (!url || url.port !== '' || url.username !== '' || /[/?#@]/.test(bare)) {
    throw new ConfigError(`--allowed-host "${value}" must be a host name or address without scheme, port or path`);
  }
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** `scheme://host[:port]`, normalised as a browser sends it in `Origin`. */
function allowedOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    // reported below
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new ConfigError(`--allowed-origin "${value}" must be an origin such as https://app.example.com (scheme, host and optional port; no path)`);
  }
  return url.origin;
}

/** Push services want a way to reach the sender: a mailto: or https: URI (RFC 8292). */
function pushSubject(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    // reported below
  }
  if (!url || !['mailto:', 'https:'].includes(url.protocol)) {
    throw new ConfigError(`--push-subject "${value}" must be a mailto: or https: URI, such as mailto:you@example.com`);
  }
  return url.href;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Parse agentd's argv (without node and script) and environment. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const command = buildAgentdCommand().exitOverride();
  command.parse(argv, { from: 'user' });
  return configFromOptions(command.opts(), env, cwd);
}
