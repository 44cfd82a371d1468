/** Watches one agentd stream from the benchmark process and resolves when a predicate is met. */
import WebSocket from 'ws';

export interface StreamEvent {
  id: string;
  seq: number;
  session_id: string;
  type: string;
  run_id: string | null;
  data: any;
}

export interface StreamWatch {
  /** Resolves with the receipt time (performance.now()) of the first later event that matches. */
  next(match: (event: StreamEvent) => boolean): Promise<{ event: StreamEvent; at: number }>;
  received: number;
  close(): void;
}

/** Opens `url` (a WS stream URL) and resolves once the stream is open. */
export function watchStream(url: string, headers: Record<string, string> = {}): Promise<StreamWatch> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, perMessageDeflate: false });
    const waiters: { match: (e: StreamEvent) => boolean; resolve: (r: { event: StreamEvent; at: number }) => void; reject: (err: Error) => void }[] = [];
    const watch: StreamWatch = {
      received: 0,
      next: (match) => new Promise((resolve, reject) => waiters.push({ match, resolve, reject })),
      close: () => socket.terminate(),
    };
    socket.on('message', (data) => {
      const at = performance.now();
      const frame = JSON.parse(String(data)) as StreamEvent;
      if (frame.type === 'stream.opened') return resolve(watch);
      if (!frame.id) return; // heartbeats and other control frames
      watch.received++;
      for (let i = 0; i < waiters.length; i++) {
        if (waiters[i]!.match(frame)) {
          waiters.splice(i, 1)[0]!.resolve({ event: frame, at });
          i--;
        }
      }
    });
    socket.once('error', reject);
    socket.once('close', (code, reason) => {
      const err = new Error(`stream closed (${code} ${String(reason)}) with ${waiters.length} waiter(s) pending`);
      for (const waiter of waiters.splice(0)) waiter.reject(err);
      reject(err);
    });
  });
}

export const wsUrl = (httpUrl: string, path: string): string => httpUrl.replace(/^http/, 'ws') + path;
