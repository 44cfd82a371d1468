/**
 * Helpers for tests of the web client in a real browser: a page that records what the browser
 * refused under the Content Security Policy, axe-core run on a screen, and screenshots at phone and
 * desktop size written to test-results/screenshots/ (git-ignored) for a person to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../../src/paths.js';

// Callbacks passed to the page run in the browser; this compile has no DOM types.
declare const document: any;

export const SCREENSHOTS = join(PACKAGE_ROOT, 'test-results', 'screenshots');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const AXE = readFileSync(join(PACKAGE_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Content-Security-Policy violations the page reported (there should be none). */
  violations: string[];
  /** Uncaught errors of the page's scripts. */
  errors: string[];
}

/** A page of its own context, at phone or desktop size, recording CSP violations and script errors. */
export async function openPage(browser: Browser, size: 'phone' | 'desktop', options: { serviceWorkers?: 'allow' | 'block' } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: size === 'phone' ? PHONE : DESKTOP,
    ...(size === 'phone' && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
    serviceWorkers: options.serviceWorkers ?? 'allow',
  });
  return watchPage(context, await context.newPage());
}

/** Records the CSP violations and script errors of `page` from its next navigation on. */
export async function watchPage(context: BrowserContext, page: Page): Promise<WatchedPage> {
  const watched: WatchedPage = { page, context, violations: [], errors: [] };
  await page.exposeBinding('__reportViolation', (_source, text: string) => watched.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e: any) => {
      (globalThis as any).__reportViolation(`${e.violatedDirective}: ${e.blockedURI} ${e.sample}`);
    });
  });
  page.on('pageerror', (err) => watched.errors.push(err.message));
  return watched;
}

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const results = await page.evaluate(async () => (globalThis as any).axe.run(document, { resultTypes: ['violations'] }));
  return (results.violations as any[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')) }));
}

/** Saves a screenshot as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
