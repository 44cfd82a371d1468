/**
 * JSON-RPC 2.0 over newline-delimited JSON, as `codex app-server` speaks it on stdio: we send
 * requests and notifications and answer the server's requests; it sends responses, notifications
 * and requests of its own (approvals).
 *
 * Reading is synchronous on purpose: a TurnDriver must say, for each stdout line, which events it
 * yields before the next line is read, so a response is classified and handed back at once rather
 * than resolved through a promise a tick later. The peer only remembers which method each of our
 * pending request ids was for, so the caller can tell responses apart.
 */
import { parseJsonLine } from '../json-lines.js';
import type { RequestId } from './protocol/RequestId.js';

export type { RequestId };

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** One message from the server, classified. */
export type Incoming =
  /** The answer to one of our requests; `method` is the one we asked. */
  | { kind: 'response'; id: RequestId; method: string; result: unknown }
  | { kind: 'error'; id: RequestId; method: string; error: JsonRpcError }
  | { kind: 'notification'; method: string; params: unknown }
  /** The server asks us something (an approval); answer with `respond` or `respondError`. */
  | { kind: 'request'; id: RequestId; method: string; params: unknown };

/** JSON-RPC's reserved code for "the method does not exist / is not available". */
export const METHOD_NOT_FOUND = -32601;

export class JsonRpcPeer {
  private nextId = 1;
  private readonly pending = new Map<RequestId, string>();

  /** `write` sends one line; the peer appends nothing, the transport adds the newline. */
  constructor(private readonly write: (line: string) => void) {}

  /** Sends a request and returns its id; its answer comes back from `read` as a response or error. */
  request(method: string, params: unknown): RequestId {
    const id = this.nextId++;
    this.pending.set(id, method);
    this.send({ jsonrpc: '2.0', id, method, params });
    return id;
  }

  notify(method: string, params?: unknown): void {
    this.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  respond(id: RequestId, result: unknown): void {
    this.send({ jsonrpc: '2.0', id, result });
  }

  respondError(id: RequestId, error: JsonRpcError): void {
    this.send({ jsonrpc: '2.0', id, error });
  }

  /**
   * Classifies one line. Lines that are not JSON-RPC messages (a stray log line), and responses to
   * ids we never sent, give undefined.
   */
  read(line: string): Incoming | undefined {
    const msg = parseJsonLine(line);
    if (!msg) return undefined;
    const hasId = typeof msg.id === 'string' || typeof msg.id === 'number';
    if (typeof msg.method === 'string') {
      return hasId
        ? { kind: 'request', id: msg.id, method: msg.method, params: msg.params }
        : { kind: 'notification', method: msg.method, params: msg.params };
    }
    if (!hasId) return undefined;
    const method = this.pending.get(msg.id);
    if (method === undefined) return undefined;
    this.pending.delete(msg.id);
    if (msg.error && typeof msg.error === 'object') {
      const error = msg.error as Partial<JsonRpcError>;
      return {
        kind: 'error',
        id: msg.id,
        method,
        error: { code: typeof error.code === 'number' ? error.code : 0, message: String(error.message ?? 'unknown error'), data: error.data },
      };
    }
    return { kind: 'response', id: msg.id, method, result: msg.result };
  }

  private send(message: Record<string, unknown>): void {
    this.write(JSON.stringify(message));
  }
}
