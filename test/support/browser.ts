/**
 * A real browser for tests: playwright-core driving the system's chromium, headless. Browser
 * behaviour (cookies, EventSource reconnects, CORS, Origin headers) is what these tests are about,
 * so nothing stands in for it.
 *
 * Without chromium the browser tests are skipped with a message saying how to install it — unless
 * CI=true, where a missing browser must fail the run rather than quietly test less.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

export const CHROMIUM_PATH = process.env.AGENTD_TEST_CHROMIUM ?? '/usr/bin/chromium';

const missing = existsSync(CHROMIUM_PATH)
  ? undefined
  : `chromium is not installed at ${CHROMIUM_PATH}: install it (Debian/Ubuntu: \`apt-get install chromium\`) or point AGENTD_TEST_CHROMIUM at one`;

/** Whether to skip browser tests here: only when chromium is missing and this is not CI. */
export const skipBrowserTests: boolean = missing !== undefined && process.env.CI !== 'true';
if (skipBrowserTests) console.warn(`browser tests skipped: ${missing}`);

function launchOptions(options: { args?: string[] }): LaunchOptions {
  if (missing) throw new Error(missing);
  return {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Chromium refuses its sandbox as root (CI containers); elsewhere keep it.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...(options.args ?? [])],
  };
}

export async function launchBrowser(options: { args?: string[] } = {}): Promise<Browser> {
  return chromium.launch(launchOptions(options));
}

/**
 * A browser with a profile on disk (in `userDataDir`) rather than the throwaway, incognito-like
 * contexts of launchBrowser: what a person's browser is, where an app can be installed.
 */
export async function launchProfile(userDataDir: string, viewport: { width: number; height: number }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { ...launchOptions({}), viewport, serviceWorkers: 'allow' });
}

/**
 * A blank page served from loopback, like a local web app's dev server: pages of other origins for
 * CORS and cross-site tests. It must be a real server on loopback — chromium's Local Network Access
 * blocks a page it considers public (e.g. one made up by the test router) from reaching 127.0.0.1.
 */
export async function servePage(): Promise<{ port: number; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another origin</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
