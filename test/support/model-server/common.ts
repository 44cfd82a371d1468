/** Small helpers shared by the OpenAI and Anthropic wire modules. */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A short unique id with a provider-style prefix (`resp_…`, `toolu_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/**
 * True for text the CLI itself injects into a user message rather than the human's prompt: a single
 * XML-ish block such as `<environment_context>…</environment_context>` (codex) or
 * `<system-reminder>…</system-reminder>` (claude).
 */
export function isHarnessText(text: string): boolean {
  return /^\s*<([\w-]+)[^>]*>[\s\S]*<\/\1>\s*$/.test(text);
}

/** The last element of `items` that satisfies `pred`. */
export function findLast<T>(items: readonly T[], pred: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as T;
    if (pred(item)) return item;
  }
  return undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

export type SsePayload = { type: string } & Record<string, unknown>;

/** Writes one SSE event; both APIs name the event after the payload's `type`. */
export function writeSse(res: ServerResponse, payload: SsePayload): void {
  res.write(`event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`);
}
