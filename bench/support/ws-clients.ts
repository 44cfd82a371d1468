/** Opens many WebSocket clients and waits until each is subscribed. */
import WebSocket from 'ws';
import { inParallel } from './http.js';

export interface OpenedClient {
  socket: WebSocket;
}

/**
 * Opens `count` sockets to `url`, `parallel` handshakes at a time. With `readyType`, a client is
 * ready when the first frame of that type arrives (agentd's `stream.opened`); otherwise on open.
 */
export async function openClients(url: string, count: number, opts: { headers?: Record<string, string>; readyType?: string; parallel?: number } = {}): Promise<WebSocket[]> {
  return inParallel(Array.from({ length: count }), opts.parallel ?? 50, () =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, { headers: opts.headers ?? {}, perMessageDeflate: false });
      socket.once('error', reject);
      if (!opts.readyType) {
        socket.once('open', () => resolve(socket));
        return;
      }
      const onMessage = (data: WebSocket.RawData) => {
        if ((JSON.parse(String(data)) as { type?: string }).type !== opts.readyType) return;
        socket.off('message', onMessage);
        resolve(socket);
      };
      socket.on('message', onMessage);
    }),
  );
}

export async function closeClients(sockets: readonly WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.terminate();
        }),
    ),
  );
}
