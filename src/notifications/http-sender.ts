/**
 * One HTTP POST of a delivery, through the address guard, with a deadline. Webhooks and Web Push
 * both go out here, so both get the same guard, timeout and measurements. Redirects are not
 * followed (a 3xx is a failed attempt): a receiver must not be able to bounce agentd elsewhere.
 */
import http from 'node:http';
import https from 'node:https';
import { guardedLookup, ipLiteral, isForbiddenAddress, type Resolver } from './address-guard.js';

export interface SendResult {
  /** The HTTP status, or null when no answer came (refused, unreachable, timed out). */
  status: number | null;
  latencyMs: number;
  /** Why it failed, for the delivery history: the status and the start of the body, or the error. */
  error: string | null;
  ok: boolean;
  /** A failure no retry can fix (the request cannot even be built). */
  permanent?: boolean;
}

export interface SenderOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  /** DNS resolution; tests point names wherever they like. */
  resolver?: Resolver;
}

const ERROR_BODY_CHARS = 200;

export class HttpSender {
  // Keep-alive: a busy endpoint gets its notifications over one connection. A reused socket is one
  // already connected to a checked address.
  private readonly agents;
  private readonly lookup;
  private readonly inFlight = new Set<http.ClientRequest>();

  constructor(private readonly opts: SenderOptions) {
    this.lookup = guardedLookup(opts.allowPrivate, opts.resolver);
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets: 8 }), https: new https.Agent({ keepAlive: true, maxSockets: 8 }) };
  }

  async post(target: string, headers: Record<string, string | number>, body: string | Buffer): Promise<SendResult> {
    const started = performance.now();
    const done = (status: number | null, error: string | null): SendResult => ({
      status, error, ok: status !== null && status >= 200 && status < 300, latencyMs: Math.round(performance.now() - started),
    });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return done(null, 'the URL is not valid');
    }
    // The lookup is skipped for an IP literal, so the literal is checked here.
    const literal = ipLiteral(url.hostname);
    if (literal !== undefined && !this.opts.allowPrivate && isForbiddenAddress(literal)) {
      return done(null, `${literal} is a loopback, private or reserved address: start agentd with --webhook-allow-private to allow it`);
    }
    const secure = url.protocol === 'https:';
    return new Promise<SendResult>((resolve) => {
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: secure ? this.agents.https : this.agents.http,
        lookup: this.lookup,
        timeout: this.opts.timeoutMs,
      }, (response) => {
        const status = response.statusCode ?? 0;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < ERROR_BODY_CHARS) text += chunk;
        });
        response.on('end', () => {
          const ok = status >= 200 && status < 300;
          resolve(done(status, ok ? null : `HTTP ${status}${text ? `: ${text.slice(0, ERROR_BODY_CHARS).replace(/\s+/g, ' ').trim()}` : ''}`));
        });
        response.on('error', (err) => resolve(done(status, `HTTP ${status}, then ${err.message}`)));
      });
      this.inFlight.add(request);
      request.on('close', () => this.inFlight.delete(request));
      // `timeout` covers an idle socket; the deadline covers the whole exchange.
      const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      request.on('close', () => clearTimeout(deadline));
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)));
      // Node's messages name the address and port at most (never the URL's path or query).
      request.on('error', (err: Error) => resolve(done(null, err.message)));
      request.end(body);
    });
  }

  /** Ends every request in flight (their deliveries stay pending) and the idle sockets. */
  close(): void {
    for (const request of this.inFlight) request.destroy(new Error('agentd is stopping'));
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
