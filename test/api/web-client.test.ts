/**
 * agentd serves the built web client (dist/web, made by `npm run build`) at `/`: to anyone who can
 * reach it (the files hold no data; the API behind them still needs a token), under a Content
 * Security Policy with no inline script, while every other path stays the API's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { WEB_ROOT } from '../../src/gateway/routes/web-client.js';

const TOKEN = 'web-operator-secret';

describe('the web client served by agentd', () => {
  let d: TestDaemon;
  let html: string;
  beforeAll(async () => {
    if (!existsSync(join(WEB_ROOT, 'index.html'))) throw new Error(`the web client is not built in ${WEB_ROOT}: run npm run build first`);
    html = readFileSync(join(WEB_ROOT, 'index.html'), 'utf8');
    d = await startTestDaemon({ authTokens: [`operator:${TOKEN}`] });
  });
  afterAll(() => d?.close());

  it('the shell is served without a token, with a CSP that allows no inline script and no other origin', async () => {
    const res = await d.api('GET', '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).toBe(html);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('the shell has no inline script or style: only files of its own origin', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    expect(scripts[0]![1]).toMatch(/src="assets\/app-[\w-]+\.js"/);
    expect(scripts[0]![2]!.trim()).toBe('');
    expect(html).not.toMatch(/<style|\sstyle=|\son\w+=|javascript:|https?:\/\//i);
  });

  it('every file the shell names is served; hashed assets are cached for good, the worker is re-checked', async () => {
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['manifest.webmanifest', 'icons/icon-192.png']));
    for (const asset of assets) {
      const res = await d.api('GET', `/${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-security-policy'), asset).toContain("default-src 'none'");
      if (asset.startsWith('assets/')) expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    const worker = await d.api('GET', '/sw.js');
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    const manifest = (await d.api('GET', '/manifest.webmanifest')).body;
    const parsed = typeof manifest === 'string' ? JSON.parse(manifest) : manifest;
    expect(parsed).toMatchObject({ name: 'agentd', display: 'standalone', start_url: './' });
    expect(parsed.icons.map((i: any) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect((await d.api('HEAD', '/')).status).toBe(200);
  });

  it('the API behind it still needs a token, and an unknown path is still the API\'s problem document', async () => {
    expect((await d.api('GET', '/sessions')).status).toBe(401);
    const res = await d.api('GET', '/no-such-page', { token: TOKEN });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('route_not_found');
    expect((await d.api('POST', '/', { token: TOKEN, body: {} })).body.code).toBe('route_not_found');
  });

  it('a page addressed to a host agentd does not answer for gets nothing (DNS rebinding)', async () => {
    const res = await d.api('GET', '/', { headers: { host: 'evil.test' } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('host_not_allowed');
  });

  it('a stale session cookie does not stop the shell from loading (it signs in again)', async () => {
    const res = await d.api('GET', '/', { headers: { cookie: 'agentd_session=ags_revoked' } });
    expect(res.status).toBe(200);
    expect((await d.api('GET', '/sessions', { headers: { cookie: 'agentd_session=ags_revoked' } })).status).toBe(401);
  });
});
