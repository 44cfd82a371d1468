/**
 * Stream clients for tests: every frame is recorded in order and can be awaited — no sleeps.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { SseParser } from '../../src/client/stream-client.js';

export interface Recorded {
  frames: any[];
  /** Events only (frames with a seq), in arrival order. */
  events(): any[];
  /**
   * Resolves with the first frame (from `from` on) that matches. A frame that never comes fails
   * after `WAIT_LIMIT_MS`, naming the last frames seen, rather than hanging until the test's limit.
   */
  waitFor(match: (frame: any) => boolean, from?: number): Promise<any>;
  closed: Promise<{ code?: number; reason?: string }>;
  close(): void;
}

/** Only a hang detector: far beyond any honest wait, short of the test's own limit. */
const WAIT_LIMIT_MS = 75_000;

function recorder(): Recorded & { push(frame: any): void; end(info: { code?: number; reason?: string }): void } {
  const frames: any[] = [];
  const waiters: { match: (f: any) => boolean; from: number; resolve: (f: any) => void }[] = [];
  let endClosed!: (info: { code?: number; reason?: string }) => void;
  const closed = new Promise<{ code?: number; reason?: string }>((r) => (endClosed = r));
  return {
    frames,
    events: () => frames.filter((f) => typeof f.seq === 'number'),
    waitFor(match, from = 0) {
      const hit = frames.slice(from).find(match);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          from,
          resolve: (frame: any) => {
            clearTimeout(timer);
            resolve(frame);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const last = frames.slice(-3).map((f) => JSON.stringify(f).slice(0, 200)).join('\n  ');
          reject(new Error(`no matching frame after ${WAIT_LIMIT_MS} ms (${frames.length} frames; last:\n  ${last})\nwanted: ${match.toString().slice(0, 200)}`));
        }, WAIT_LIMIT_MS);
        waiters.push(waiter);
      });
    },
    push(frame) {
      frames.push(frame);
      for (const w of [...waiters]) {
        if (frames.length - 1 >= w.from && w.match(frame)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    },
    end: endClosed,
    closed,
    close() {},
  };
}

export function openWs(url: string, opts: { token?: string; autoPong?: boolean; headers?: Record<string, string> } = {}): Promise<Recorded & { socket: WebSocket }> {
  const rec = recorder();
  const socket = new WebSocket(url.replace(/^http/, 'ws'), {
    headers: { ...opts.headers, ...(opts.token && { authorization: `Bearer ${opts.token}` }) },
    autoPong: opts.autoPong ?? true,
  });
  socket.on('message', (data) => rec.push(JSON.parse(String(data))));
  socket.on('close', (code, reason) => rec.end({ code, reason: String(reason) }));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ ...rec, socket, close: () => socket.close() }));
    socket.once('unexpected-response', (req, res) => {
      // The refusal's problem document, for tests that check its code.
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.once('close', () => {
        req.destroy();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep the raw text
        }
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body }));
      });
    });
    socket.once('error', reject);
  });
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<Recorded & { status: number }> {
  const rec = recorder();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const parser = new SseParser();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const frame of parser.push(chunk)) {
          const data = JSON.parse(frame.data);
          rec.push(frame.event ? { ...data, sse_event: frame.event } : { ...data, sse_id: frame.id });
        }
      });
      res.on('end', () => rec.end({}));
      res.on('error', () => rec.end({}));
      resolve({ ...rec, status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}
