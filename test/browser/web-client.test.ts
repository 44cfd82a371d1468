/**
 * Issue 13: the web client in a real browser (headless chromium through playwright-core), against a
 * real agentd running the real codex CLI (app-server) and the scripted model server, offline. One
 * agentd, one browser and one signed-in page for the whole file, used the way a person would:
 * sign in, create a session, watch answers stream in, approve and deny commands, cancel, answer a
 * child agent, lose the network while agentd restarts and catch up, see HTML as text. Every screen
 * is checked with axe-core and photographed at phone and desktop size (test-results/screenshots/).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CODEX_BIN, codexEnv, defaultResponder, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';
import { launchBrowser, skipBrowserTests } from '../support/browser.js';
import { axeFindings, openPage, screenshot, type WatchedPage } from '../support/web-client.js';
import { waitUntil } from '../support/wait.js';

// Callbacks passed to page.evaluate run in the browser; this compile has no DOM types.
declare const document: any, window: any, localStorage: any, sessionStorage: any, requestAnimationFrame: any, navigator: any, getComputedStyle: any;

const TOKEN = 'web-operator-secret';

describe.skipIf(skipBrowserTests)('the web client, in a real browser, against agentd running codex', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let d: TestDaemon;
  let browser: Browser;
  let desk: WatchedPage;
  let phone: WatchedPage;
  let page: Page;

  beforeAll(async () => {
    // "Run: …" is always a tool call, even for a command mentioning a phrase the script answers.
    server = await startModelServer({
      responder: (req) => (!req.toolOutput && req.userText.startsWith('Run: ') ? { kind: 'tool', command: req.userText.slice(5) } : defaultResponder(req)),
    });
    cli = await codexEnv(server);
    d = await startTestDaemon({
      authTokens: [`operator:${TOKEN}`],
      agentEnv: cli.env,
      // The workspace sandbox gets the network, so a codex agent can call agentctl (children).
      codex: { bin: CODEX_BIN, profile: null, extraArgs: ['-c', 'sandbox_workspace_write.network_access=true'] },
      approvals: { policy: 'default', allow: [], timeoutS: 1800 },
    });
    browser = await launchBrowser();
    desk = await openPage(browser, 'desktop');
    phone = await openPage(browser, 'phone');
    page = desk.page;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await d?.close();
    await server?.close();
    await cli?.cleanup();
  });

  const op = (method: string, path: string, body?: unknown) => d.api(method, path, { token: TOKEN, ...(body !== undefined && { body }) });
  const workdir = () => mkdtemp(join(d.dir, 'work-'));

  /**
   * axe finds nothing serious on this screen — on the desktop page, then on the phone at the same
   * URL (or after `reach`, for a dialog), and in the dark theme too when asked; each is photographed.
   */
  async function checkScreen(name: string, ready: (p: Page) => Promise<unknown>, opts: { reach?: (p: Page) => Promise<unknown>; dark?: boolean } = {}): Promise<void> {
    await ready(page);
    expect(await axeFindings(page), `axe on ${name} (desktop)`).toEqual([]);
    await screenshot(page, `${name}-desktop`);
    await phone.page.goto(page.url());
    await opts.reach?.(phone.page);
    await ready(phone.page);
    expect(await axeFindings(phone.page), `axe on ${name} (phone)`).toEqual([]);
    await screenshot(phone.page, `${name}-phone`);
    if (!opts.dark) return;
    for (const [p, size] of [[page, 'desktop'], [phone.page, 'phone']] as const) {
      await p.emulateMedia({ colorScheme: 'dark' });
      expect(await axeFindings(p), `axe on ${name} (${size}, dark)`).toEqual([]);
      await screenshot(p, `${name}-${size}-dark`);
      await p.emulateMedia({ colorScheme: 'light' });
    }
  }

  /** Sends a message through the composer. */
  async function send(text: string): Promise<void> {
    await page.getByLabel('Message to the agent').fill(text);
    await page.getByLabel('Message to the agent').press('Enter');
  }

  const timeline = () => page.locator('#timeline');
  const newestRun = async (sessionId: string) => (await op('GET', `/sessions?include=activity&limit=500`)).body.activity.latest_runs[sessionId];
  const sessionIdOf = (p: Page) => decodeURIComponent(new URL(p.url()).hash.split('/')[2]!);

  it('signs in with an operator token: only an HttpOnly cookie is kept, a wrong token is refused', async () => {
    await page.goto(`${d.url}/`);
    await checkScreen('sign-in', (p) => p.getByLabel('Operator token').waitFor());
    await page.getByLabel('Operator token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token is not valid here.').waitFor();

    await page.getByLabel('Operator token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.locator('[data-connection="live"]').waitFor();
    const kept = await page.evaluate(() => ({ cookie: document.cookie, local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) }));
    expect(kept.cookie).toBe('');
    expect(kept.local + kept.session).not.toContain(TOKEN);
    const cookies = await desk.context.cookies();
    expect(cookies.find((c) => c.name === 'agentd_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The phone signs in too (its own cookie, as a second device would).
    await phone.page.goto(`${d.url}/`);
    await phone.page.getByLabel('Operator token').fill(TOKEN);
    await phone.page.getByRole('button', { name: 'Sign in' }).click();
    await checkScreen('sessions', (p) => p.getByRole('heading', { name: 'Sessions' }).waitFor());
  });

  it('creates a codex session and watches the answer come in live', async () => {
    const cwd = await workdir();
    await page.getByRole('link', { name: 'New session' }).first().click();
    await checkScreen('new-session', (p) => p.getByRole('heading', { name: 'New session' }).waitFor());
    await page.getByLabel('Title (optional)').fill('first steps');
    await page.getByLabel('Agent').selectOption('codex');
    await page.getByLabel('Working directory (optional: the daemon\'s own)').fill(cwd);
    await page.getByRole('button', { name: 'Create session' }).click();
    await page.getByRole('heading', { name: 'first steps' }).waitFor();
    const sessionId = sessionIdOf(page);
    expect((await op('GET', `/sessions/${sessionId}`)).body.session).toMatchObject({ provider: 'codex', cwd, title: 'first steps' });

    await send('Respond with exactly: hello from codex');
    await timeline().locator('.msg.user', { hasText: 'Respond with exactly: hello from codex' }).waitFor();
    await timeline().locator('.msg.assistant .text', { hasText: 'hello from codex' }).waitFor();
    await timeline().locator('.runline', { hasText: 'Run completed' }).waitFor();
    // The sessions list followed it live too.
    await page.locator('.session-item.selected', { hasText: 'idle' }).waitFor();
    expect((await newestRun(sessionId)).final_text).toBe('hello from codex');
    await checkScreen('session', (p) => p.locator('#timeline .msg.assistant', { hasText: 'hello from codex' }).waitFor(), { dark: true });
  });

  it('approves a command: the card shows what it runs and where, and once approved it runs', async () => {
    const cwd = await workdir();
    const { session } = (await op('POST', '/sessions', { provider: 'codex', cwd, title: 'asks first', approval_policy: 'ask' })).body;
    await page.goto(`${d.url}/#/s/${session.id}`);
    await page.getByRole('heading', { name: 'asks first' }).waitFor();
    await send('Run: echo approved > approved.txt');
    const card = timeline().locator('.card.request.open');
    await card.waitFor();
    await expect(card.locator('pre.code').textContent()).resolves.toContain('echo approved > approved.txt');
    await expect(card.textContent()).resolves.toContain(cwd);
    expect(existsSync(join(cwd, 'approved.txt'))).toBe(false);
    await checkScreen('approval', (p) => p.locator('#timeline .card.request.open').waitFor());
    // The inbox has it too, and says so in the header.
    await page.locator('.inbox-link .badge', { hasText: '1' }).waitFor();
    await page.getByRole('link', { name: /Inbox/ }).click();
    await checkScreen('inbox', (p) => p.locator('.inbox .card.request.open').waitFor(), { dark: true });
    await page.goBack();

    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await timeline().locator('.card.request.settled', { hasText: 'approved by operator' }).waitFor();
    await timeline().locator('.runline', { hasText: 'Run completed' }).waitFor();
    expect(await readFile(join(cwd, 'approved.txt'), 'utf8')).toBe('approved\n');
    await page.locator('.inbox-link .badge').waitFor({ state: 'detached' });
  });

  it('shows an edit as its diff; approved for the session, the file is written', async () => {
    const sessionId = sessionIdOf(page);
    const cwd = (await op('GET', `/sessions/${sessionId}`)).body.session.cwd;
    await send('Write: notes.md');
    const card = timeline().locator('.card.request.open');
    await card.waitFor();
    await card.locator('.diff .dl.add', { hasText: '+written by the model' }).waitFor();
    await expect(card.textContent()).resolves.toContain('notes.md');
    await card.getByRole('button', { name: 'Approve for session' }).click();
    await timeline().locator('.card.request.settled', { hasText: 'approved for the session' }).waitFor();
    await waitUntil('the edit is written', () => existsSync(join(cwd, 'notes.md')));
    expect(await readFile(join(cwd, 'notes.md'), 'utf8')).toBe('written by the model\n');
  });

  it('denies another with a message: it does not run, and the agent is told why', async () => {
    const sessionId = sessionIdOf(page);
    const cwd = (await op('GET', `/sessions/${sessionId}`)).body.session.cwd;
    await send('Run: echo denied > denied.txt');
    const card = timeline().locator('.card.request.open');
    await card.waitFor();
    // By keyboard alone: focus the button, Enter, type, Tab to Deny, Enter.
    await card.getByRole('button', { name: 'Deny…' }).focus();
    await page.keyboard.press('Enter');
    const message = card.getByLabel('Message to the agent (optional)');
    await message.waitFor();
    await message.focus();
    await page.keyboard.type('not on a Friday');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Deny');
    await page.keyboard.press('Enter');
    await timeline().locator('.card.request.settled', { hasText: 'not on a Friday' }).waitFor();
    await waitUntil('the denied turn completes', async () => (await newestRun(sessionId)).state === 'completed');
    expect(existsSync(join(cwd, 'denied.txt'))).toBe(false);
    expect(JSON.stringify(server.requests.slice(-3).map((r) => r.body.input))).toContain('not on a Friday');
    await timeline().locator('details.item', { hasText: 'declined' }).waitFor();
  });

  it('shows a queued run\'s place in the queue, and cancels the slow run ahead of it', async () => {
    const sessionId = sessionIdOf(page);
    await send('Hang until cancelled');
    await page.locator('.runstate', { hasText: 'Running' }).waitFor();
    // One run at a time per session: the next message waits in the queue, and says where.
    await send('Respond with exactly: my turn came');
    await page.locator('.runstate', { hasText: 'Queued — position 1 in the queue' }).waitFor();
    await page.getByRole('button', { name: /^Cancel run \(running\)/ }).click();
    await timeline().locator('.runline', { hasText: 'Run cancelled' }).waitFor();
    await timeline().locator('.msg.assistant .text', { hasText: 'my turn came' }).waitFor();
    const runs = (await op('GET', `/sessions/${sessionId}/events?limit=1000`)).body.events.filter((e: any) => e.type === 'run.cancelled');
    expect(runs.map((e: any) => e.data.run.prompt)).toEqual(['Hang until cancelled']);
    await page.locator('.runstate').waitFor({ state: 'detached' });
  });

  it('spawns a child whose agent asks the parent a question; the answer from the page becomes its next turn', async () => {
    const cwd = await workdir();
    const { session: parent } = (await op('POST', '/sessions', { provider: 'codex', cwd, title: 'parent' })).body;
    await page.goto(`${d.url}/#/s/${parent.id}`);
    await page.getByRole('heading', { name: 'parent' }).waitFor();
    await page.getByRole('button', { name: 'Spawn child' }).click();
    await checkScreen('spawn-child', (p) => p.getByRole('heading', { name: 'Spawn a child session' }).waitFor(), { reach: (p) => p.getByRole('button', { name: 'Spawn child' }).click() });
    await page.getByLabel('Task').fill("Run: agentctl tool session-reply-parent --request-kind question --text 'Which branch should I use?'");
    await page.getByLabel('Title (optional)').fill('child');
    await page.getByRole('button', { name: 'Spawn', exact: true }).click();
    await timeline().locator('.notice', { hasText: 'spawned' }).waitFor();
    // The child is listed under its parent.
    await page.locator('.depth-1 .session-item', { hasText: 'child' }).waitFor();

    const card = timeline().locator('.card.request.open', { hasText: 'Which branch should I use?' });
    await card.waitFor();
    await card.getByLabel('Your answer').fill('Respond with exactly: use main');
    await card.getByRole('button', { name: 'Send answer' }).click();
    await timeline().locator('.card.request.settled', { hasText: 'use main' }).waitFor();
    const child = (await op('GET', `/sessions/${parent.id}/requests`)).body.requests[0];
    expect(child).toMatchObject({ state: 'answered', answer_text: 'Respond with exactly: use main' });
    await page.locator('.depth-1 .session-item', { hasText: 'child' }).click();
    await timeline().locator('.msg.assistant .text', { hasText: /^use main$/ }).waitFor();
  });

  it('loses the network mid-run while agentd restarts, then catches up: every event once, no reload', async () => {
    const cwd = await workdir();
    const { session } = (await op('POST', '/sessions', { provider: 'codex', cwd, title: 'through a restart' })).body;
    await page.goto(`${d.url}/#/s/${session.id}`);
    await page.getByRole('heading', { name: 'through a restart' }).waitFor();
    await send('Respond with exactly: before the outage');
    await timeline().locator('.msg.assistant .text', { hasText: 'before the outage' }).waitFor();
    await send('Hang while the network is gone');
    await page.locator('.runstate', { hasText: 'Running' }).waitFor();
    const marker = await page.evaluate(() => ((globalThis as any).__sameDocument = Symbol('no reload')).toString());

    // The service worker keeps the shell: installed, it lets the app start without a network.
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.ready).active))).toBe(true);
    await desk.context.setOffline(true);
    await page.locator('[data-connection="offline"]').waitFor();
    const cold = await desk.context.newPage();
    await cold.goto(`${d.url}/`);
    await cold.getByRole('heading', { name: 'agentd cannot be reached' }).waitFor();
    await cold.close();
    await d.restart();
    // Written while the page cannot hear: it must get these from the log, once.
    for (const text of ['after the restart', 'still offline']) {
      const run = (await op('POST', `/sessions/${session.id}/messages`, { text: `Respond with exactly: ${text}` })).body.run;
      expect((await op('GET', `/runs/${run.id}/wait?timeout_s=60`)).body.run.state).toBe('completed');
    }
    await desk.context.setOffline(false);

    await page.locator('[data-connection="live"]').waitFor();
    await timeline().locator('.msg.assistant .text', { hasText: 'still offline' }).waitFor();
    expect(await page.evaluate(() => String((globalThis as any).__sameDocument))).toBe(marker);
    const log = (await op('GET', `/sessions/${session.id}/events?limit=1000`)).body.events as any[];
    const keys = await timeline().locator('.vrow').evaluateAll((rows) => rows.map((r) => (r as any).dataset.key));
    expect(new Set(keys).size).toBe(keys.length);
    const runEvents = log.filter((e) => e.type.startsWith('run.') && e.type !== 'run.item' && e.type !== 'run.process' && e.type !== 'run.provider_error');
    expect(await timeline().locator('.runline').count()).toBe(runEvents.length);
    expect(await timeline().locator('.runline', { hasText: 'Run failed' }).count()).toBe(1); // the hung run, interrupted by the restart
    const said = await timeline().locator('.msg .text').allTextContents();
    expect(said).toEqual([
      'Respond with exactly: before the outage', 'before the outage', 'Hang while the network is gone',
      'Respond with exactly: after the restart', 'after the restart', 'Respond with exactly: still offline', 'still offline',
    ]);
  });

  it('shows what an agent prints as text, markup and all', async () => {
    const html = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    await send(`Respond with exactly: ${html}`);
    const answer = timeline().locator('.msg.assistant .text', { hasText: '<b>bold</b>' });
    await answer.waitFor();
    expect(await answer.textContent()).toBe(html);
    expect(await timeline().locator('img, script, b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
  });

  it('run details say how the run went, in words', async () => {
    const sessionId = sessionIdOf(page);
    const run = await newestRun(sessionId);
    await page.getByRole('link', { name: 'Run details' }).click();
    await checkScreen('run-details', (p) => p.getByRole('heading', { name: 'Run details' }).waitFor());
    const dialog = page.getByRole('dialog');
    await dialog.locator('.diagnosis').waitFor();
    await expect(dialog.textContent()).resolves.toContain(run.id);
    await dialog.getByText('State history').waitFor();
    expect(await dialog.locator('.history li').allTextContents()).toEqual([
      expect.stringContaining('queued'), expect.stringContaining('running'), expect.stringContaining('completed'),
    ]);
    await dialog.getByRole('button', { name: 'Close run details' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('switches between the system theme, light and dark, and remembers it', async () => {
    // The theme is set as the page re-renders: wait for it, as a person would see it.
    const themed = (want: string) => page.waitForFunction((t) => (document.documentElement.dataset.theme ?? 'system') === t, want);
    await page.getByRole('button', { name: 'Theme: auto' }).click();
    await themed('light');
    await page.getByRole('button', { name: 'Theme: light' }).click();
    await themed('dark');
    await page.reload();
    await page.locator('[data-connection="live"]').waitFor();
    await themed('dark');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(18, 21, 28)');
    await page.getByRole('button', { name: 'Theme: dark' }).click();
    await themed('system');
  });

  it('signs out: the cookie stops working at once, the page asks for a token, other devices stay signed in', async () => {
    const cookie = (await desk.context.cookies()).find((c) => c.name === 'agentd_session')!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator token').waitFor();
    expect((await d.api('GET', '/sessions', { headers: { cookie: `agentd_session=${cookie.value}` } })).status).toBe(401);
    await phone.page.goto(`${d.url}/#/inbox`);
    await phone.page.locator('[data-connection="live"]').waitFor();
  });

  it('ran under its Content Security Policy without a violation or an uncaught error', () => {
    expect(desk.violations).toEqual([]);
    expect(phone.violations).toEqual([]);
    expect(desk.errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  });
});
