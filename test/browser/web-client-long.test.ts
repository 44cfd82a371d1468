/**
 * The web client with agentd in open mode (no tokens, loopback): no sign-in at all; and a long
 * session, whose conversation loads from its newest end, keeps the page's DOM small however long it
 * is, and pages older history in as the user scrolls up — every event once, in order. The scripted
 * command agent writes the long log (one event per line it prints) in a moment.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { launchBrowser, skipBrowserTests } from '../support/browser.js';
import { axeFindings, openPage, screenshot, type WatchedPage } from '../support/web-client.js';

// Callbacks passed to page.evaluate run in the browser; this compile has no DOM types.
declare const document: any, window: any, localStorage: any, sessionStorage: any, requestAnimationFrame: any, navigator: any;

const LINES = 2000;

describe.skipIf(skipBrowserTests)('the web client in open mode, with a long session', () => {
  let d: TestDaemon;
  let browser: Browser;
  let desk: WatchedPage;
  let sessionId: string;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
    sessionId = (await d.api('POST', '/sessions', { body: { title: 'a long log' } })).body.session.id;
    const run = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: `lines ${LINES}` } })).body.run;
    expect((await d.api('GET', `/runs/${run.id}/wait?timeout_s=60`)).body.run.state).toBe('completed');
    browser = await launchBrowser();
    desk = await openPage(browser, 'desktop');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  it('needs no sign-in on loopback without tokens, and offers no sign-out', async () => {
    await desk.page.goto(`${d.url}/`);
    await desk.page.locator('.session-item', { hasText: 'a long log' }).waitFor();
    await desk.page.locator('[data-connection="live"]').waitFor();
    expect(await desk.page.getByLabel('Operator token').count()).toBe(0);
    expect(await desk.page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  });

  it('opens at the newest end with a small DOM, and pages older lines in on scroll up to the first, each once', async () => {
    const page = desk.page;
    await page.locator('.session-item', { hasText: 'a long log' }).click();
    const timeline = page.locator('#timeline');
    await timeline.locator('pre.line', { hasText: new RegExp(`^line ${LINES}$`) }).waitFor();
    expect(await axeFindings(page)).toEqual([]);
    await screenshot(page, 'long-session-desktop');
    const domRows = () => timeline.locator('.vrow').count();
    expect(await domRows()).toBeLessThan(150);

    // Scroll to the top until the start of the session shows; collect every line seen on the way.
    const seen = new Set<string>();
    const lines: string[] = [];
    let maxRows = 0;
    for (let round = 0; round < 200; round++) {
      const visible = await timeline.locator('pre.line').allTextContents();
      for (const text of visible) if (!seen.has(text)) { seen.add(text); lines.push(text); }
      maxRows = Math.max(maxRows, await domRows());
      if (await timeline.getByText('Start of the session').count()) break;
      const before = await timeline.evaluate((el) => el.scrollHeight);
      await timeline.evaluate((el) => { el.scrollTop = 0; });
      // The next older page arrives (the list grows), or the start shows.
      await page.waitForFunction(([h]) => {
        const el = document.getElementById('timeline')!;
        return el.scrollHeight > h || el.textContent!.includes('Start of the session');
      }, [before]);
    }
    await timeline.evaluate((el) => { el.scrollTop = 0; });
    await timeline.locator('pre.line', { hasText: /^line 1$/ }).waitFor();
    // Walk down the whole log again, a screen at a time, in the page: every line once, in order,
    // the DOM small throughout.
    const walk = await timeline.evaluate(async (el) => {
      const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const ordered: string[] = [];
      const twice: string[] = [];
      let most = 0;
      for (;;) {
        const screen = [...el.querySelectorAll('pre.line')].map((line: any) => line.textContent as string);
        if (new Set(screen).size !== screen.length) twice.push(screen.join(','));
        for (const text of screen) if (!ordered.includes(text)) ordered.push(text);
        most = Math.max(most, el.querySelectorAll('.vrow').length);
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) return { ordered, most, twice };
        el.scrollTop += el.clientHeight;
        await frame();
      }
    });
    const ordered = walk.ordered;
    expect(walk.twice, 'a line shown twice at once').toEqual([]);
    maxRows = Math.max(maxRows, walk.most);
    expect(ordered).toEqual(Array.from({ length: LINES }, (_, i) => `line ${i + 1}`));
    expect(maxRows).toBeLessThan(150);
    expect(desk.violations).toEqual([]);
    expect(desk.errors).toEqual([]);
  });
});
