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
  const url = g.url ?? env.AGENTCTL_URL ?? env.AGENTD_URL ?? 'http://127.0.0.1:8765';
  const token = g.authToken ?? env.AGENTCTL_AUTH_TOKEN ?? env.AGENTD_TOKEN;
  // A usage error (exit 2), not a stack trace from deep inside the client.
  if (!URL.canParse(url)) command.error(`error: agentd URL "${url}" is not a URL (--url, AGENTCTL_URL, AGENTD_URL)`);
  let root = command;
  while (root.parent) root = root.parent;
  return {
    client: new AgentdClient({ url, token: token || undefined }),
    out: { format: g.format, field: g.field },
    term: terminalOf({ get out() { return process.stdout; }, get err() { return process.stderr; } }, { NO_COLOR: env.NO_COLOR, TERM: env.TERM }),
    version: root.version() ?? 'unknown',
  };
}
