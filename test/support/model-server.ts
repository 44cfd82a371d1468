/**
 * A scripted model server for end-to-end tests: it speaks just enough of the OpenAI Responses API
 * (codex) and the Anthropic Messages API (claude) to drive the real CLIs fully offline.
 *
 *   const server = await startModelServer();
 *   const { env, cleanup } = await codexEnv(server);      // or claudeEnv(server)
 *   spawn(codexBin, ['exec', '--json', '--skip-git-repo-check', 'Respond with exactly: hi'], { env });
 *
 * A responder picks each reply from the request (see defaultResponder for the built-in script).
 * Wire details live in ./model-server/*.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { describeAnthropicRequest, sendAnthropicReply } from './model-server/anthropic-messages.js';
import { sendJson } from './model-server/common.js';
import { describeOpenAiRequest, sendOpenAiReply } from './model-server/openai-responses.js';
import {
  SCRIPTED_USAGE,
  type ModelApi,
  type ModelRequestLog,
  type OtherRequestLog,
  type Responder,
  type ScriptedReply,
} from './model-server/types.js';

export { applyPatchCommand } from './model-server/openai-responses.js';
export { CLAUDE_BIN, claudeEnv, CODEX_BIN, codexEnv, CODEX_TEST_KEY_VAR, type CliEnv } from './model-server/cli-env.js';
export { SCRIPTED_USAGE, type ModelApi, type ModelRequestLog, type OtherRequestLog, type Responder, type ScriptedReply };

export interface ModelServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash or `/v1`. */
  url: string;
  port: number;
  /** Every model request (POST …/responses, POST …/messages), in arrival order. */
  requests: ModelRequestLog[];
  /** Every other request (model listing, token counting, unknown paths), in arrival order. */
  otherRequests: OtherRequestLog[];
  /** Replaces the responder for subsequent requests. */
  setResponder(fn: Responder): void;
  /**
   * Resolves once `requests.length >= n`. A request counts as soon as it arrives, before it is
   * answered, so this also works with `{ kind: 'hang' }`. Rejects if the server closes first.
   */
  waitForRequests(n: number): Promise<void>;
  /** Stops listening and drops open connections (including hung replies). */
  close(): Promise<void>;
}

/**
 * The built-in script:
 * - a request carrying a tool result → text `done: <tool output, trimmed>`;
 * - user text containing `Respond with exactly: X` → text X;
 * - user text starting with `Run: CMD` → a tool call running CMD;
 * - user text starting with `Write: PATH` → an edit creating PATH with `written by the model`;
 * - user text containing `Fail with: MSG` → HTTP 400 with MSG;
 * - user text starting with `Hang` → a reply that never completes;
 * - anything else → text `ok`.
 */
export const defaultResponder: Responder = (req) => {
  if (req.toolOutput !== undefined) return { kind: 'text', text: `done: ${req.toolOutput.trim()}` };
  const exact = /Respond with exactly: (.+)/.exec(req.userText);
  if (exact?.[1]) return { kind: 'text', text: exact[1].trim() };
  const run = /^\s*Run: (.+)/.exec(req.userText);
  if (run?.[1]) return { kind: 'tool', command: run[1].trim() };
  const write = /^\s*Write: (\S+)/.exec(req.userText);
  if (write?.[1]) return { kind: 'write', path: write[1], content: 'written by the model\n' };
  const fail = /Fail with: (.+)/.exec(req.userText);
  if (fail?.[1]) return { kind: 'error', status: 400, message: fail[1].trim() };
  if (/^\s*Hang\b/.test(req.userText)) return { kind: 'hang' };
  return { kind: 'text', text: 'ok' };
};

function decodeBody(req: IncomingMessage, raw: Buffer): string {
  switch (req.headers['content-encoding']) {
    case 'gzip':
      return gunzipSync(raw).toString('utf8');
    case 'deflate':
      return inflateSync(raw).toString('utf8');
    case 'br':
      return brotliDecompressSync(raw).toString('utf8');
    default:
      return raw.toString('utf8');
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return decodeBody(req, Buffer.concat(chunks));
}

/** Which model API a request targets, if any (paths may carry a query, e.g. `?beta=true`). */
function modelApi(method: string, pathname: string): ModelApi | undefined {
  if (method !== 'POST') return undefined;
  if (pathname.endsWith('/responses')) return 'openai';
  if (pathname.endsWith('/messages')) return 'anthropic';
  return undefined;
}

export async function startModelServer(opts: { responder?: Responder } = {}): Promise<ModelServer> {
  let responder = opts.responder ?? defaultResponder;
  const requests: ModelRequestLog[] = [];
  const otherRequests: OtherRequestLog[] = [];
  const waiters = new Set<{ n: number; resolve: () => void; reject: (err: Error) => void }>();
  let closed = false;

  const record = (log: ModelRequestLog) => {
    requests.push(log);
    for (const waiter of waiters) {
      if (requests.length >= waiter.n) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  /** Non-model endpoints: answer harmlessly so the CLIs neither hang nor retry. */
  const answerOther = (method: string, path: string, body: string, res: ServerResponse) => {
    const pathname = path.split('?')[0] ?? path;
    let status = 200;
    if (method === 'POST' && pathname.endsWith('/messages/count_tokens')) {
      sendJson(res, status, { input_tokens: SCRIPTED_USAGE.input });
    } else if (method === 'GET' && pathname.endsWith('/models')) {
      // An empty list, in the OpenAI (`data`), codex (`models`) and Anthropic (paging) shapes at once.
      sendJson(res, status, { object: 'list', data: [], models: [], has_more: false, first_id: null, last_id: null });
    } else {
      status = 404;
      const message = `model-server: no route for ${method} ${path}`;
      sendJson(res, status, { type: 'error', error: { type: 'not_found_error', message } });
    }
    otherRequests.push({ method, path, body, status });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const raw = await readBody(req);
    const api = modelApi(method, path.split('?')[0] ?? path);
    if (!api) return answerOther(method, path, raw, res);

    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, { error: { message: 'model-server: body is not JSON' } });
    }
    const described = api === 'openai' ? describeOpenAiRequest(body) : describeAnthropicRequest(body);
    const log: ModelRequestLog = { api, path, stream: body?.stream === true, body, ...described };
    record(log);

    let reply: ScriptedReply;
    try {
      reply = await responder(log);
    } catch (err) {
      // Surface responder bugs to the CLI as a non-retryable error instead of a hung request.
      reply = { kind: 'error', status: 400, message: `model-server responder threw: ${(err as Error).message}` };
    }
    if (res.destroyed) return;
    if (api === 'openai') sendOpenAiReply(res, body, log.stream, reply);
    else sendAnthropicReply(res, body, log.stream, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `model-server: ${err.message}` } });
      else res.destroy(err);
    });
  });
  // The CLIs keep connections alive between turns; never let the server drop an idle socket in the
  // middle of a test (a reused-but-closed socket would cost a retry or fail the turn).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    otherRequests,
    setResponder(fn) {
      responder = fn;
    },
    waitForRequests(n) {
      if (requests.length >= n) return Promise.resolve();
      if (closed) return Promise.reject(new Error(`model server closed with ${requests.length} of ${n} requests`));
      return new Promise((resolve, reject) => waiters.add({ n, resolve, reject }));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const waiter of waiters) waiter.reject(new Error(`model server closed with ${requests.length} of ${waiter.n} requests`));
      waiters.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
