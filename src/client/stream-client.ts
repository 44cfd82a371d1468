/**
 * Follows an agentd event stream over SSE (node:http, no dependency) and never loses an event: on
 * any disconnect it reconnects with capped exponential backoff and jitter and resumes from the
 * last event it delivered (Last-Event-ID).
 */
import http from 'node:http';
import https from 'node:https';
import type { AgentEvent, Problem } from '../protocol/schemas.js';
import { ApiError } from './http-client.js';

export interface FollowOptions {
  url: string;
  token?: string | undefined;
  sessionId?: string | undefined;
  cursor?: string | undefined;
  signal: AbortSignal;
  onEvent(event: AgentEvent): void;
  onControl?(frame: { type: string; [key: string]: unknown }): void;
  /** Told before each reconnect, with the delay chosen. */
  onReconnect?(delayMs: number, cursor: string | undefined): void;
  maxBackoffMs?: number;
}

interface Frame {
  id?: string;
  event?: string;
  data: string;
}

/** Incremental SSE parser: feed text, get complete frames. */
export class SseParser {
  private buffer = '';
  private frame: Frame = { data: '' };
  private hasData = false;

  push(chunk: string): Frame[] {
    this.buffer += chunk;
    const frames: Frame[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line === '') {
        if (this.hasData) frames.push(this.frame);
        this.frame = { data: '' };
        this.hasData = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') {
        this.frame.data = this.hasData ? `${this.frame.data}\n${value}` : value;
        this.hasData = true;
      } else if (field === 'id') this.frame.id = value;
      else if (field === 'event') this.frame.event = value;
    }
    return frames;
  }
}

/** Resolves when the signal aborts; rejects on an error the daemon means (4xx), not on a lost connection. */
export async function followStream(opts: FollowOptions): Promise<void> {
  let cursor = opts.cursor;
  let failures = 0;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  while (!opts.signal.aborted) {
    const opened = await connectOnce(opts, cursor, (event) => {
      cursor = event.id;
      opts.onEvent(event);
    });
    if (opts.signal.aborted) return;
    failures = opened ? 1 : failures + 1;
    // Full jitter on a capped exponential: many clients of a restarted daemon do not come back at once.
    const ceiling = Math.min(maxBackoff, 250 * 2 ** Math.min(failures, 10));
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    opts.onReconnect?.(delay, cursor);
    await new Promise<void>((resolve) => {
      // Whichever comes first removes the other: a listener left per retry piles up on a long follow.
      const timer = setTimeout(done, delay);
      opts.signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}

/** One connection. Returns whether the stream opened (so backoff can start over). */
function connectOnce(opts: FollowOptions, cursor: string | undefined, deliver: (event: AgentEvent) => void): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const base = opts.url.endsWith('/') ? opts.url : `${opts.url}/`;
    const url = new URL(opts.sessionId ? `sessions/${encodeURIComponent(opts.sessionId)}/stream` : 'stream', base);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (cursor) headers['last-event-id'] = cursor;
    let opened = false;
    const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'GET', headers, signal: opts.signal }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          // A daemon that is starting or stopping may answer 5xx: retry. A 4xx is the caller's problem.
          if (status >= 500) return resolve(false);
          let problem: Problem;
          try {
            problem = JSON.parse(body) as Problem;
          } catch {
            problem = { type: 'about:blank', title: 'HTTP error', status, code: `http_${status}`, detail: body.slice(0, 200) };
          }
          reject(new ApiError(status, problem));
        });
        return;
      }
      const parser = new SseParser();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const frame of parser.push(chunk)) {
          let data: any;
          try {
            data = JSON.parse(frame.data);
          } catch {
            continue;
          }
          if (frame.event) {
            if (frame.event === 'stream.opened') opened = true;
            opts.onControl?.(data);
          } else deliver(data as AgentEvent);
        }
      });
      res.on('end', () => resolve(opened));
      res.on('error', () => resolve(opened));
    });
    req.on('error', () => resolve(opened));
    req.end();
  });
}
