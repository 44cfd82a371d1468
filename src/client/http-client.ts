/**
 * agentctl's client: the typed API of api.ts over node:http. It imports only wire *types* from the
 * protocol, so loading it pulls in none of the server's modules (agentctl starts fast).
 */
import http from 'node:http';
import https from 'node:https';
import { AgentdApi, UnreachableError, type Transport } from './api.js';

export { ApiError, UnreachableError } from './api.js';
export type { SessionDiff, SessionReport, UsageReport, WorkspaceInput } from './api.js';

export interface ClientOptions {
  url: string;
  token?: string | undefined;
}

function nodeTransport(base: string): Transport {
  return ({ method, url, headers, body }) => new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, { method, headers }, (res) => {
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(new UnreachableError(`cannot reach agentd at ${base} (${err.code ?? err.message})`)),
    );
    req.end(body);
  });
}

export class AgentdClient extends AgentdApi {
  constructor(opts: ClientOptions) {
    super(opts.url, nodeTransport(opts.url), opts.token);
  }
}
