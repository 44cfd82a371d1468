/**
 * A raw TCP connection to the daemon, for tests of what a misbehaving client does: partial
 * requests, idle connections, bytes that are not HTTP. Everything received is kept; its close
 * can be awaited.
 */
import net from 'node:net';

export interface RawConnection {
  socket: net.Socket;
  /** Everything the server sent so far, as text. */
  received(): string;
  /** Resolves with everything received once the server (or the network) closed the connection. */
  closed: Promise<string>;
  /** Resolves once what was received matches. */
  waitFor(pattern: RegExp): Promise<string>;
}

export function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let text = '';
  const waiters: { pattern: RegExp; resolve: (text: string) => void }[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
    for (const w of [...waiters]) {
      if (w.pattern.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(text);
      }
    }
  });
  // A reset is a close too; the tests look at what arrived before it.
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  return new Promise((resolve, reject) => {
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => text,
        closed,
        waitFor: (pattern) => (pattern.test(text) ? Promise.resolve(text) : new Promise((r) => waiters.push({ pattern, resolve: r }))),
      }),
    );
    socket.once('error', reject);
  });
}

/** The JSON body of the first HTTP response in `text`. */
export function responseBody(text: string): any {
  const start = text.indexOf('\r\n\r\n');
  return JSON.parse(text.slice(start + 4));
}

/** The body of a chunked HTTP response in `text` (headers included), as far as it arrived. */
export function chunkedBody(text: string): string {
  let rest = text.slice(text.indexOf('\r\n\r\n') + 4);
  let body = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return body;
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
