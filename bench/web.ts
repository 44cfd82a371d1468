/**
 * web: the web client in headless chromium against a real agentd, each figure beside a raw page
 * measured in the same run — a bare page on another loopback port that fetches the same events
 * from agentd's API (CORS) and does the least work that shows them:
 * - initial JavaScript, gzipped (goal ≤ 100 KB; no raw reference);
 * - time until the newest event of a long session is on screen, opened by its link in a fresh
 *   browser context (raw: fetch the newest page of events, write them into a <pre>);
 * - the page's JS heap (after a forced GC) and DOM nodes once a very long session is loaded whole by
 *   scrolling to its start (raw: the same events fetched and held as parsed JSON, nothing drawn).
 * The long sessions are written by the command provider printing one JSON line per event.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';
import type { Benchmark, BenchRow } from './harness.js';
import { atMostRatio } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { jsonClient } from './support/http.js';
import { FIXTURES, REPO_ROOT, scratchDir } from './support/repo.js';
import { median } from './support/stats.js';

// Callbacks passed to page.evaluate run in the browser; this compile has no DOM types.
declare const document: any, window: any, localStorage: any, sessionStorage: any, requestAnimationFrame: any, navigator: any;

const BUNDLE_LIMIT_KB = 100;

/** The raw page: its script runs what the query names against agentd and reports through globals. */
const RAW_PAGE = `<!doctype html><meta charset="utf-8"><title>raw</title><pre id="out"></pre><script type="module">
const q = new URLSearchParams(location.search);
const agentd = q.get('agentd'), session = q.get('session');
if (q.get('mode') === 'paint') {
  const page = await (await fetch(agentd + '/sessions/' + session + '/events?direction=backward&limit=200')).json();
  document.getElementById('out').textContent = page.events.map((e) => JSON.stringify(e.data)).join('\\n');
  requestAnimationFrame(() => { window.shownAt = performance.now(); });
} else {
  const events = [];
  let cursor = '';
  for (;;) {
    const page = await (await fetch(agentd + '/sessions/' + session + '/events?limit=1000' + (cursor ? '&cursor=' + cursor : ''))).json();
    events.push(...page.events);
    if (!page.has_more) break;
    cursor = page.next_cursor;
  }
  window.held = events;
  window.loaded = events.length;
}
</script>`;

function serveRawPage(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(RAW_PAGE));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

/** Gzipped size of the JavaScript the shell loads, in KB. */
function initialJsKb(): number {
  const html = readFileSync(join(REPO_ROOT, 'dist', 'web', 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
  return scripts.reduce((sum, src) => sum + gzipSync(readFileSync(join(REPO_ROOT, 'dist', 'web', src)), { level: 9 }).length, 0) / 1024;
}

async function sessionWith(url: string, events: number): Promise<string> {
  const api = jsonClient(url);
  try {
    const { session } = await api.post('/sessions', { title: `${events} events` });
    const { run } = await api.post(`/sessions/${session.id}/messages`, { text: 'print' });
    const { run: done } = await api.get(`/runs/${run.id}/wait?timeout_s=600`);
    if (done.state !== 'completed') throw new Error(`the printing run ended ${done.state}: ${done.error}`);
    return session.id as string;
  } finally {
    api.close();
  }
}

/** ms from navigation until the newest line is on screen in the web client, and in the raw page. */
async function timeToShow(browser: Browser, agentdUrl: string, rawOrigin: string, sessionId: string, newest: string): Promise<{ app: number; raw: number }> {
  const fresh = async <T>(use: (page: Page) => Promise<T>) => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    try {
      return await use(await context.newPage());
    } finally {
      await context.close();
    }
  };
  const app = await fresh(async (page) => {
    await page.goto(`${agentdUrl}/#/s/${sessionId}`);
    const shown = await page.waitForFunction((text) => {
      const el = document.getElementById('timeline');
      return el && el.textContent!.includes(text) ? performance.now() : false;
    }, newest, { polling: 'raf', timeout: 120_000 });
    return (await shown.jsonValue()) as number;
  });
  const raw = await fresh(async (page) => {
    await page.goto(`${rawOrigin}/?mode=paint&agentd=${encodeURIComponent(agentdUrl)}&session=${sessionId}`);
    return (await (await page.waitForFunction(() => (window as any).shownAt, undefined, { timeout: 120_000 })).jsonValue()) as number;
  });
  return { app, raw };
}

/** JS heap (MB, after GC) and DOM nodes of a page. */
async function footprint(page: Page): Promise<{ heapMb: number; nodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return { heapMb: usedSize / 1024 / 1024, nodes: metrics.find((m) => m.name === 'Nodes')?.value ?? 0 };
}

/** Loads the whole session in the web client by scrolling to its start, page after page. */
async function loadWhole(page: Page): Promise<void> {
  const timeline = page.locator('#timeline');
  await timeline.waitFor();
  for (;;) {
    if (await timeline.getByText('Start of the session').count()) return;
    const before = await timeline.evaluate((el) => el.scrollHeight);
    await timeline.evaluate((el) => { el.scrollTop = 0; });
    await page.waitForFunction((h) => {
      const el = document.getElementById('timeline')!;
      return el.scrollHeight > h || el.textContent!.includes('Start of the session');
    }, before, { timeout: 120_000 });
  }
}

export const benchmark: Benchmark = {
  name: 'web',
  description: `web client in chromium: initial JS (goal ≤ ${BUNDLE_LIMIT_KB} KB gz), time to show a long session, memory of a very long one`,
  sizes: {
    paint: { default: 10_000, quick: 300, description: 'events of the session opened for time-to-show' },
    memory: { default: 100_000, quick: 1_000, description: 'events of the session loaded whole for memory' },
    runs: { default: 5, quick: 1, description: 'openings measured (median)' },
  },
  async run({ sizes, log }) {
    if (!readdirSync(join(REPO_ROOT, 'dist', 'web')).includes('index.html')) throw new Error('the web client is not built: npm run build');
    const rows: BenchRow[] = [];
    const js = initialJsKb();
    rows.push({ measure: 'initial JS, gzipped', project: js, raw: null, unit: 'KB', ratio: null, goal: `≤ ${BUNDLE_LIMIT_KB} KB`, pass: js <= BUNDLE_LIMIT_KB });

    const raw = await serveRawPage();
    const browser = await launchBrowser();
    try {
      for (const [what, events] of [['paint', sizes.paint!], ['memory', sizes.memory!]] as const) {
        const dir = scratchDir(`web-${what}`);
        const daemon = await startAgentd([
          '--db', join(dir.path, 'agentd.db'), '--allowed-origin', raw.origin, '--default-provider', 'command',
          '--command-bin', process.execPath, '--command-arg', join(FIXTURES, 'print-lines.mjs'), '--command-arg', String(events),
        ]);
        try {
          const sessionId = await sessionWith(daemon.url, events);
          if (what === 'paint') {
            // The newest line the agent printed: its index is events - 1.
            const newest = `"index":${events - 1},`;
            const samples = { app: [] as number[], raw: [] as number[] };
            for (let i = 0; i < sizes.runs!; i++) {
              const t = await timeToShow(browser, daemon.url, raw.origin, sessionId, newest);
              samples.app.push(t.app);
              samples.raw.push(t.raw);
            }
            log(`time to show a ${events}-event session: app ${samples.app.map(Math.round).join(', ')} ms; raw ${samples.raw.map(Math.round).join(', ')} ms`);
            rows.push(atMostRatio(`time to show the newest of ${events} events`, 'ms', median(samples.app), median(samples.raw), 3));
          } else {
            const context = await browser.newContext({ serviceWorkers: 'block' });
            const page = await context.newPage();
            await page.goto(`${daemon.url}/#/s/${sessionId}`);
            const started = Date.now();
            await loadWhole(page);
            const app = await footprint(page);
            log(`loaded ${events} events in the web client in ${((Date.now() - started) / 1000).toFixed(1)} s: heap ${app.heapMb.toFixed(1)} MB, ${app.nodes} DOM nodes`);
            await context.close();
            const rawContext = await browser.newContext();
            const rawPage = await rawContext.newPage();
            await rawPage.goto(`${raw.origin}/?mode=hold&agentd=${encodeURIComponent(daemon.url)}&session=${sessionId}`);
            await rawPage.waitForFunction(() => (window as any).loaded, undefined, { timeout: 300_000 });
            const held = await footprint(rawPage);
            await rawContext.close();
            log(`raw page holding the same events: heap ${held.heapMb.toFixed(1)} MB, ${held.nodes} DOM nodes`);
            rows.push(atMostRatio(`JS heap with ${events} events loaded`, 'MB', app.heapMb, held.heapMb, 2));
            rows.push({ measure: `DOM nodes with ${events} events loaded`, project: app.nodes, raw: null, unit: 'nodes', ratio: null, goal: '—', pass: null });
          }
        } finally {
          await daemon.stop();
          dir.remove();
        }
      }
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => raw.server.close(() => resolve()));
    }
    return rows;
  },
};
