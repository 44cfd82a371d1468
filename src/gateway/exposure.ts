/**
 * What a web browser may do to agentd, checked before any route, WebSocket upgrade or auth:
 *
 * 1. Host allowlist (DNS rebinding): a page of evil.example whose name the attacker re-points at
 *    127.0.0.1 reaches agentd as "same origin" with `Host: evil.example`. Only loopback names and
 *    addresses, the address agentd listens on and `--allowed-host` names are answered. On a
 *    wildcard bind any IP literal is accepted too: rebinding needs a name, and a page loaded from
 *    an address is agentd's own origin.
 * 2. Origin check (cross-site requests, WebSocket hijacking): a request that carries `Origin` must
 *    come from agentd's own origin or an `--allowed-origin`. Browsers send Origin on every
 *    cross-origin request, every POST/DELETE and every WebSocket, so no other site's page gets
 *    through; clients that are not browsers send none and are unaffected.
 * 3. No simple requests: a POST needs `Content-Type: application/json` or an `Authorization`
 *    header — both force a CORS preflight — so even a browser that omits Origin cannot send one
 *    cross-site as a form or a bodyless `fetch`.
 * 4. CORS for the allowed origins (@fastify/cors); preflights are answered here, before auth,
 *    since a browser never sends credentials on them.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { sendProblem } from './problem.js';

export interface ExposureOptions {
  /** The address agentd listens on (`--host`). */
  bindHost: string;
  allowedHosts: string[];
  allowedOrigins: string[];
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;

/** `Host` split into a normalised host name (IPv6 without brackets) and its port, if any. */
export function parseHostHeader(value: string | undefined): { hostname: string; port: string | null } | undefined {
  if (!value) return undefined;
  const match = HOST_HEADER.exec(value);
  if (!match) return undefined;
  let hostname: string;
  try {
    // The URL parser canonicalises as browsers do (case, IPv4 written in other forms).
    hostname = new URL(`http://${match[1]}/`).hostname;
  } catch {
    return undefined;
  }
  return { hostname: unbracket(hostname), port: match[2] ?? null };
}

const unbracket = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

export function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Whether a request addressed to `hostname` is meant for this daemon. */
export function hostAllowed(hostname: string, opts: ExposureOptions): boolean {
  if (isLoopbackName(hostname)) return true;
  const bind = unbracket(opts.bindHost.toLowerCase());
  if (WILDCARDS.has(bind)) {
    if (isIP(hostname) !== 0) return true;
  } else if (hostname === bind) return true;
  return opts.allowedHosts.includes(hostname);
}

/** Whether the page at `origin` is agentd's own: the same host and port the request was sent to. */
export function sameOrigin(origin: URL, host: { hostname: string; port: string | null }): boolean {
  if (unbracket(origin.hostname) !== host.hostname) return false;
  const originPort = origin.port || (origin.protocol === 'https:' ? '443' : '80');
  // Without a port in Host the client used the scheme's default; behind a TLS proxy that is 443.
  return host.port === null ? originPort === '80' || originPort === '443' : host.port === originPort;
}

export function originAllowed(origin: string, host: { hostname: string; port: string | null }, opts: ExposureOptions): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes `null`, sent by sandboxed frames and file:// pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return opts.allowedOrigins.includes(url.origin) || sameOrigin(url, host);
}

function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/**
 * Remembers verdicts by header value: clients send a handful of distinct Host and Origin values,
 * and parsing one with the URL parser costs microseconds per request. Bounded, so a client
 * sending random values costs memory no more than this.
 */
class Verdicts<T> {
  private readonly map = new Map<string, T>();
  get(key: string, decide: () => T): T {
    let verdict = this.map.get(key);
    if (verdict === undefined) {
      if (this.map.size >= 256) this.map.clear();
      verdict = decide();
      this.map.set(key, verdict);
    }
    return verdict;
  }
}

export async function installExposure(app: FastifyInstance, opts: ExposureOptions): Promise<void> {
  const hosts = new Verdicts<{ hostname: string; port: string | null; allowed: boolean } | null>();
  const origins = new Verdicts<boolean>();
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.host ?? '';
    const host = hosts.get(header, () => {
      const parsed = parseHostHeader(header);
      return parsed ? { ...parsed, allowed: hostAllowed(parsed.hostname, opts) } : null;
    });
    if (!host || !host.allowed) {
      return sendProblem(reply, 'host_not_allowed', `this daemon does not answer requests addressed to ${host ? `"${host.hostname}"` : 'that host'}; if a reverse proxy forwards its own host name, start agentd with --allowed-host <name>`);
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.get(`${origin} ${header}`, () => originAllowed(origin, host, opts))) {
      return sendProblem(reply, 'origin_not_allowed', 'requests from web pages of other origins are refused; to let a page call agentd, start it with --allowed-origin <scheme://host[:port]>');
    }
    if (request.method === 'POST' && !isJson(request.headers['content-type']) && request.headers.authorization === undefined) {
      return sendProblem(reply, 'unsupported_media_type', 'a POST needs Content-Type: application/json (or an Authorization header), also without a body, so that no web page can send it as a simple cross-site request');
    }
  });
  const allowed = new Set(opts.allowedOrigins);
  await app.register(cors, {
    // Same-origin pages need no CORS headers; every other origin was refused above.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
    exposedHeaders: ['x-request-id', 'Idempotent-Replayed', 'WWW-Authenticate'],
    maxAge: 600,
    // A bare OPTIONS from an allowed origin is answered, not a text/plain 400 outside our problem format.
    strictPreflight: false,
  });
}
