/**
 * A webhook receiver for tests, on 127.0.0.1 and a free port: it records every request, answers
 * with the status its `respond` decides (204 by default, or holds the request open), and lets a
 * test await the n-th request — no sleeps. `verified(secret)` checks every recorded signature with
 * the Standard Webhooks library, as a real receiver would.
 */
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The raw bytes, for bodies that are not text (Web Push). */
  raw: Buffer;
}

/** A status to answer with, or 'hold' to leave the request unanswered (until the receiver closes). */
export type Respond = (request: ReceivedRequest, index: number) => number | 'hold';

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  respond: Respond;
  /** Resolves with request number `n` (1-based) once it has arrived. */
  nth(n: number): Promise<ReceivedRequest>;
  /** Verifies every request's signature with `secret`; returns the payloads. Throws on any bad one. */
  verified(secret: string): unknown[];
  close(): Promise<void>;
}

/** Only a hang detector: far beyond any honest wait, short of the test's own limit. */
const WAIT_LIMIT_MS = 60_000;

export async function startReceiver(respond: Respond = () => 204): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { n: number; resolve: (r: ReceivedRequest) => void }[] = [];
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const received: ReceivedRequest = { path: req.url ?? '/', headers, body: raw.toString('utf8'), raw };
      requests.push(received);
      const answer = receiver.respond(received, requests.length);
      if (answer === 'hold') held.add(res);
      else res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 400 ? `receiver says ${answer}` : '');
      for (const w of waiters.filter((w) => w.n <= requests.length)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(requests[w.n - 1]!);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond,
    nth(n) {
      if (requests.length >= n) return Promise.resolve(requests[n - 1]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the receiver never got request ${n} (got ${requests.length})`)), WAIT_LIMIT_MS);
        waiters.push({ n, resolve: (r) => { clearTimeout(timer); resolve(r); } });
      });
    },
    verified(secret) {
      const webhook = new Webhook(secret);
      return requests.map((r) => webhook.verify(r.body, r.headers));
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
