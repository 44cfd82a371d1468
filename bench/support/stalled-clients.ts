/**
 * Stream clients that never read: raw sockets that send a stream request (SSE or WebSocket
 * upgrade) and are paused at once, so every byte agentd sends them stays in buffers.
 */
import net from 'node:net';

export type StalledKind = 'sse' | 'ws';

export function openStalledClient(url: string, path: string, kind: StalledKind): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    socket.on('error', () => {
      // Cut off by the daemon (as it should): nothing to do, the socket is done.
    });
    socket.once('connect', () => {
      socket.pause();
      socket.write(kind === 'sse'
        ? `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`
        : `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
