import type { Command } from 'commander';
import { AgentdClient } from '../client/http-client.js';
import type { OutputOptions } from './output.js';

export interface GlobalOptions {
  url?: string;
  authToken?: string;
  format: 'human' | 'json';
  field?: string;
}

/** The client and output settings from the global flags, with env fallbacks (flag > env > default). */
export function contextOf(command: Command): { client: AgentdClient; out: OutputOptions } {
  const g = command.optsWithGlobals<GlobalOptions>();
  const env = process.env;
  const url = g.url ?? env.AGENTCTL_URL ?? env.AGENTD_URL ?? 'http://127.0.0.1:8765';
  const token = g.authToken ?? env.AGENTCTL_AUTH_TOKEN ?? env.AGENTD_TOKEN;
  return { client: new AgentdClient({ url, token: token || undefined }), out: { format: g.format, field: g.field } };
}
