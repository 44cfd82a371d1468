/**
 * Serves the web client (web/, built into dist/web/ by `npm run build`) at `/`: its shell, its
 * hashed assets, manifest, icons and service worker. These are the only routes anyone may fetch
 * without signing in — they hold no data, and a page must load before it can sign in. Each file
 * is its own route (found at start), so an unknown path is still the API's `route_not_found`.
 *
 * Every answer carries a Content-Security-Policy that allows scripts, styles and connections of
 * agentd's own origin only and no inline script, and requires Trusted Types, so a string can never
 * become HTML or script in the page: agent output is text, whatever it contains.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { PACKAGE_ROOT } from '../../paths.js';

export const WEB_ROOT = join(PACKAGE_ROOT, 'dist', 'web');

/** The one Trusted Types policy the page may create: it registers the service worker (web/src/main.tsx). */
export const TRUSTED_TYPES_POLICY = 'agentd-sw';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  `trusted-types ${TRUSTED_TYPES_POLICY}`,
].join('; ');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served to anyone, signed in or not (request-auth.ts): the web client's static files. */
    public?: boolean;
  }
}

function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return found;
}

function uiHeaders(reply: FastifyReply, file: string): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  // Hashed names never change content; the shell, manifest and worker must be re-checked so an
  // upgraded agentd's client reaches the browser (its service worker then caches the new shell).
  reply.header('cache-control', file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
}

/** Registers the web client's routes, or none (and says so) when it was not built. */
export async function webClientRoutes(app: FastifyInstance, root: string = WEB_ROOT): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web client is not built (npm run build): agentd serves the API only');
    return;
  }
  // In a scope of its own: reply.sendFile stays private to these routes.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false, cacheControl: false });
    const route = (url: string, file: string) =>
      scope.get(url, { schema: { hide: true }, config: { public: true } }, (_request, reply) => {
        uiHeaders(reply, file);
        return reply.sendFile(file);
      });
    for (const file of filesUnder(root)) route(`/${file}`, file);
    route('/', 'index.html');
  });
}
