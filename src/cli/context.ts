import type { Command } from 'commander';
import { AgentdClient } from '../client/http-client.js';
import type { OutputOptions } from './output.js';
import { terminalOf, type Terminal } from './terminal.js';

export interface GlobalOptions {
  url?: string;
  authToken?: string;
  format: 'human' | 'json';
  field?: string;
}

/** A flag or variable agentctl cannot use as given (exit 2, like commander's own usage errors). */
export class UsageError extends Error {
  readonly code = 'usage_error';
}

/** Visible ASCII, no spaces: what a bearer token can be in an HTTP header. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

function checkedUrl(url: string, source: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed) throw new UsageError(`agentd URL "${url}" is not a URL (${source}; e.g. http://127.0.0.1:8765)`);
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    throw new UsageError(`agentd URL "${url}" is not an http:// or https:// URL (${source}; e.g. http://127.0.0.1:8765)`);
  }
  return url;
}

function checkedToken(token: string | undefined, source: string): string | undefined {
  if (!token) return undefined;
  // Never echo the token itself: it is a secret, and it may be long or binary.
  if (!TOKEN_TEXT.test(token)) throw new UsageError(`${source} holds characters a token cannot have (spaces, line breaks, non-ASCII)`);
  return token;
}

export interface CliContext {
  client: AgentdClient;
  out: OutputOptions;
  term: Terminal;
  /** agentctl's own version (the package's). */
  version: string;
}

/** The client and output settings from the global flags, with env fallbacks (flag > env > default). */
export function contextOf(command: Command): CliContext {
  const g = command.optsWithGlobals<GlobalOptions>();
  const env = process.env;
  // An empty variable counts as unset (`AGENTCTL_URL= agentctl …`).
  const [url, urlSource] = g.url !== undefined ? [g.url, '--url']
    : env.AGENTCTL_URL ? [env.AGENTCTL_URL, 'AGENTCTL_URL']
    : env.AGENTD_URL ? [env.AGENTD_URL, 'AGENTD_URL']
    : ['http://127.0.0.1:8765', 'the default URL'];
  const [token, tokenSource] = g.authToken !== undefined ? [g.authToken, '--auth-token']
    : env.AGENTCTL_AUTH_TOKEN !== undefined ? [env.AGENTCTL_AUTH_TOKEN, 'AGENTCTL_AUTH_TOKEN']
    : [env.AGENTD_TOKEN, 'AGENTD_TOKEN'];
  let root = command;
  while (root.parent) root = root.parent;
  return {
    client: new AgentdClient({ url: checkedUrl(url, urlSource), token: checkedToken(token, tokenSource) }),
    out: { format: g.format, field: g.field },
    term: terminalOf({ get out() { return process.stdout; }, get err() { return process.stderr; } }, { NO_COLOR: env.NO_COLOR, TERM: env.TERM }),
    version: root.version() ?? 'unknown',
  };
}
