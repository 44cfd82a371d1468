/**
 * Issue 11 in a real browser (headless chromium): a signed-in page's EventSource resumes by itself
 * across a daemon restart with no gap and no duplicate (item 4); CORS lets an allowed origin call
 * the API (item 3); a DNS-rebound page and a foreign page can neither drive nor read agentd
 * (items 1 and 2). Pages of other origins come from a second server on loopback; `evil.test` is
 * resolved to 127.0.0.1 by chromium itself, as a rebinding attacker's DNS would.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { launchBrowser, servePage, skipBrowserTests } from '../support/browser.js';

const TOKEN = 'browser-operator-secret';

interface Frame {
  kind: 'open' | 'message' | 'control' | 'error';
  lastEventId?: string;
  data?: any;
}

describe.skipIf(skipBrowserTests)('in a real browser', () => {
  let d: TestDaemon;
  let browser: Browser;
  let context: BrowserContext;
  let pages: Awaited<ReturnType<typeof servePage>>;
  let APP: string;
  let EVIL: string;
  beforeAll(async () => {
    pages = await servePage();
    APP = `http://localhost:${pages.port}`; // a web client's dev server, allowed
    EVIL = `http://evil.test:${pages.port}`; // any other site
    d = await startTestDaemon({ authTokens: [`operator:${TOKEN}`], allowedOrigins: [APP] }, scriptedAgentOptions);
    browser = await launchBrowser({ args: ['--host-resolver-rules=MAP evil.test 127.0.0.1'] });
  });
  afterEach(() => context?.close());
  afterAll(async () => {
    await browser?.close();
    await d?.close();
    await pages?.close();
  });

  const op = (method: string, path: string, body?: unknown) => d.api(method, path, { token: TOKEN, ...(body !== undefined && { body }) });
  const note = (session: string, text: string) => op('POST', `/sessions/${session}/messages`, { text, role: 'system' });

  /** A blank page of `origin` (not agentd's). */
  async function pageAt(origin: string): Promise<Page> {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    return page;
  }

  it('4. a signed-in page\'s EventSource resumes across a daemon restart by itself: every event once, in order', async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    // A page of agentd's own origin (its web client will be one).
    await page.goto(`${d.url}/health`);
    const signedIn = await page.evaluate(async (token) => {
      const res = await fetch('/auth/session', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as any, script: (globalThis as any).document.cookie as string };
    }, TOKEN);
    expect(signedIn.status).toBe(201);
    expect(signedIn.body.principal.id).toBe('operator');
    expect(signedIn.script).toBe(''); // HttpOnly: the page's scripts never see it

    const session = (await page.evaluate(async () => ((await (await fetch('/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as any).session.id)) as string;
    const frames: Frame[] = [];
    const waiters: (() => void)[] = [];
    await page.exposeFunction('record', (frame: Frame) => {
      frames.push(frame);
      for (const w of waiters.splice(0)) w();
    });
    const until = async (what: (f: Frame[]) => boolean) => {
      while (!what(frames)) await new Promise<void>((r) => waiters.push(r));
    };
    const events = () => frames.filter((f) => f.kind === 'message').map((f) => f.data);
    const opens = () => frames.filter((f) => f.kind === 'control' && f.data.type === 'stream.opened').map((f) => f.data);

    // The cookie alone: no ticket, no token in the URL.
    await page.evaluate((path) => {
      const source = new EventSource(path);
      const record = (globalThis as any).record;
      source.onopen = () => record({ kind: 'open' });
      source.onerror = () => record({ kind: 'error' });
      source.onmessage = (e) => record({ kind: 'message', lastEventId: e.lastEventId, data: JSON.parse(e.data) });
      source.addEventListener('stream.opened', (e) => record({ kind: 'control', data: JSON.parse((e as MessageEvent).data) }));
    }, `/sessions/${session}/stream`);
    for (let i = 0; i < 5; i++) await note(session, `before ${i}`);
    await until((f) => events().length === 6);

    const lastBefore = events().at(-1)!.id;
    await d.restart();
    // Written while the page is reconnecting: it must get these from the log, not live.
    for (let i = 0; i < 5; i++) await note(session, `after ${i}`);
    await until(() => opens().length === 2);
    for (let i = 0; i < 5; i++) await note(session, `live ${i}`);
    await until(() => events().length === 16);

    const got = events();
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(got.map((e) => e.id)).size).toBe(16);
    expect(frames.filter((f) => f.kind === 'message').every((f) => f.lastEventId === f.data.id)).toBe(true);
    // The browser resumed with Last-Event-ID, and the daemon started right after it.
    expect(opens()[1].resumed_from).toBe(lastBefore);
    expect(frames.some((f) => f.kind === 'error')).toBe(true);
    await page.evaluate(() => (globalThis as any).stop());
  });

  it('3. a page of an allowed origin calls the API with a token (CORS); another origin\'s call never happens', async () => {
    const app = await pageAt(APP);
    const created = await app.evaluate(async ([url, token]) => {
      const res = await fetch(`${url}/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"title":"from an allowed origin"}' });
      return { status: res.status, body: (await res.json()) as any, requestId: res.headers.get('x-request-id') };
    }, [d.url, TOKEN] as const);
    expect(created.status).toBe(201);
    expect(created.body.session.title).toBe('from an allowed origin');
    expect(created.requestId).toMatch(/^http_/); // exposed to the page's script

    const before = (await op('GET', '/sessions?limit=500')).body.sessions.length;
    const evil = await pageAt(EVIL);
    const attempt = await evil.evaluate(async ([url, token]) => {
      try {
        await fetch(`${url}/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
        return 'answered';
      } catch (err) {
        return `blocked: ${(err as Error).name}`;
      }
    }, [d.url, TOKEN] as const);
    expect(attempt).toBe('blocked: TypeError');
    expect((await op('GET', '/sessions?limit=500')).body.sessions.length).toBe(before);
  });

  it('1. a DNS-rebound page (evil.test resolving to 127.0.0.1) cannot create a session or run anything', async () => {
    const before = (await op('GET', '/sessions?limit=500')).body.sessions.length;
    context = await browser.newContext();
    const page = await context.newPage();
    const landing = await page.goto(`http://evil.test:${d.daemon.port}/health`);
    expect(landing?.status()).toBe(403);
    // To the browser this is same-origin: it sends the request and lets the page read the answer.
    const res = await page.evaluate(async () => {
      const r = await fetch('/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { status: r.status, body: (await r.json()) as any };
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('host_not_allowed');
    expect((await op('GET', '/sessions?limit=500')).body.sessions.length).toBe(before);
  });

  it('2. a foreign page\'s WebSocket to agentd is refused and receives nothing', async () => {
    const session = (await op('POST', '/sessions', {})).body.session.id;
    await note(session, 'private');
    const page = await pageAt(EVIL);
    const outcome = await page.evaluate(async (url) => new Promise<{ opened: boolean; messages: number; code: number }>((resolve) => {
      const socket = new WebSocket(url);
      let opened = false;
      let messages = 0;
      socket.onopen = () => (opened = true);
      socket.onmessage = () => messages++;
      socket.onclose = (e) => resolve({ opened, messages, code: e.code });
    }), `${d.url.replace(/^http/, 'ws')}/stream`);
    expect(outcome).toEqual({ opened: false, messages: 0, code: 1006 });
  });
});
