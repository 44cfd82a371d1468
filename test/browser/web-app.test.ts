/**
 * Issue 13 point 8 and issue 14 point 6: the web client as an installed app, in a real browser with
 * a profile on disk (where apps can be installed): chromium finds it installable (manifest, icons,
 * service worker). Then Web Push: the page subscribes this browser from the inbox with agentd's VAPID key; agentd encrypts an approval for
 * the subscription and sends it to a push service; the service worker shows it with Approve and
 * Deny, and a button answers the request with the browser's session cookie alone; a tap on a
 * finished run opens its session in the page.
 *
 * Offline, headless chromium has no push service (its own subscribe() fails), so two browser parts
 * are played by the test, and only those: PushManager hands the page a subscription whose endpoint
 * is a receiver of this test (keys made by test/support/push-subscriber.ts), and that receiver,
 * like a push service, decrypts what agentd sent and delivers it to the service worker through the
 * DevTools protocol (ServiceWorker.deliverPushMessage, the same path as a real push). A person's tap
 * on a notification is an ordinary `notificationclick` event dispatched in the worker.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askingAgentOptions } from '../support/approvals.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { launchProfile, skipBrowserTests } from '../support/browser.js';
import { pushKeys, type PushKeys } from '../support/push-subscriber.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { axeFindings, DESKTOP, PHONE, screenshot, watchPage, type WatchedPage } from '../support/web-client.js';
import { waitUntil } from '../support/wait.js';

// Callbacks passed to evaluate run in the browser or its service worker; this compile has no DOM types.
declare const self: any, window: any, PushManager: any, NotificationEvent: any;

const TOKEN = 'push-operator-secret';

interface Shown { title: string; body: string; tag: string; actions: string[]; data: any }

describe.skipIf(skipBrowserTests)('the web client installed, and its Web Push notifications, in a real browser', () => {
  let service: WebhookReceiver;
  let d: TestDaemon;
  let profile: string;
  let desk: WatchedPage;
  let cdp: CDPSession;
  let device: PushKeys;
  let registrationId: string | undefined;

  beforeAll(async () => {
    service = await startReceiver(() => 201); // push services answer 201 Created
    d = await startTestDaemon({ authTokens: [`op:${TOKEN}`], notifications: { allowPrivate: true, pushSubject: 'mailto:web-push-test@example.com' } }, askingAgentOptions);
    profile = await mkdtemp(join(tmpdir(), 'agentd-browser-profile-'));
    const context = await launchProfile(profile, DESKTOP);
    desk = await watchPage(context, context.pages()[0] ?? await context.newPage());
    await desk.context.grantPermissions(['notifications'], { origin: d.url });
    device = pushKeys();
    // The browser's push service, played by the test: subscribe() records the key it was given.
    await desk.page.addInitScript(({ endpoint, keys }) => {
      let current: any = null;
      PushManager.prototype.subscribe = async function (options: any) {
        const key = new Uint8Array(options.applicationServerKey);
        window.__subscribedWith = btoa(String.fromCharCode(...key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        current = {
          endpoint, expirationTime: null, options: { userVisibleOnly: options.userVisibleOnly, applicationServerKey: key.buffer },
          toJSON: () => ({ endpoint, expirationTime: null, keys }),
          unsubscribe: async () => { current = null; return true; },
        };
        return current;
      };
      PushManager.prototype.getSubscription = async () => current;
    }, { endpoint: `${service.url}/push/this-browser`, keys: device.keys });
    cdp = await desk.context.newCDPSession(desk.page);
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
      const mine = e.registrations.find((r) => r.scopeURL === `${d.url}/` && !r.isDeleted);
      if (mine) registrationId = mine.registrationId;
    });
    await cdp.send('ServiceWorker.enable');
  }, 60_000);
  afterAll(async () => {
    await desk?.context.close();
    await d?.close();
    await service?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const page = () => desk.page;
  const op = (method: string, path: string, body?: unknown) => d.api(method, path, { token: TOKEN, ...(body !== undefined && { body }) });
  const worker = async (): Promise<Worker> => desk.context.serviceWorkers()[0] ?? desk.context.waitForEvent('serviceworker');
  const shown = async (): Promise<Shown[]> => (await worker()).evaluate(async () =>
    (await self.registration.getNotifications()).map((n: any) => ({ title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a: any) => a.action), data: n.data })));

  /** What agentd has pushed so far, decrypted as the browser's push service would hand it over. */
  const pushed = () => service.requests.map((r) => JSON.parse(device.decrypt(r.raw)));

  /**
   * The push service's part: wait for agentd's push that matches (notifications of different
   * events may arrive in any order), and hand it to the service worker.
   */
  async function relayPush(what: string, match: (message: any) => boolean): Promise<any> {
    await waitUntil(`agentd pushes ${what}`, () => pushed().some(match));
    const message = pushed().find(match);
    await deliver(message);
    return message;
  }

  async function deliver(message: unknown): Promise<void> {
    await waitUntil('the service worker is registered', () => registrationId !== undefined);
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: d.url, registrationId: registrationId!, data: JSON.stringify(message) });
  }

  /**
   * Watches the worker's showNotification calls finish. Chromium lists a notification only once it is
   * on screen, and getNotifications() called while one is still being shown drops it from its records
   * (it prunes those not on screen): so tests wait for the call to finish before they look.
   */
  async function watchNotifications(): Promise<void> {
    await (await worker()).evaluate(() => {
      const registration = self.registration;
      const show = registration.showNotification.bind(registration);
      self.__displayed = [];
      registration.showNotification = (title: string, options: unknown) => show(title, options).then(() => { self.__displayed.push(title); });
    });
  }

  /** Waits until the worker has shown a notification titled `title`, `times` times in all. */
  async function displayed(title: string, times = 1): Promise<void> {
    await waitUntil(`the worker shows "${title}"${times > 1 ? ` for the ${times}th time` : ''}`, async () =>
      (await (await worker()).evaluate(() => self.__displayed as string[])).filter((t) => t === title).length >= times);
  }

  /** A person taps the notification tagged `tag` (on a button, or on its body when `action` is ''). */
  async function tap(tag: string, action: string): Promise<void> {
    await (await worker()).evaluate(async ({ tag, action }) => {
      const [notification] = await self.registration.getNotifications({ tag });
      if (!notification) throw new Error(`no notification tagged ${tag}`);
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification, action }));
    }, { tag, action });
  }

  it('is installable: chromium reads its manifest without error and finds nothing missing (icons, worker)', async () => {
    await page().goto(`${d.url}/`);
    await page().getByLabel('Operator token').waitFor();
    await page().evaluate(() => window.navigator.serviceWorker.ready);
    await watchNotifications();
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest).toMatchObject({ url: `${d.url}/manifest.webmanifest`, errors: [] });
    expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
  });

  it('turns notifications on from the inbox: the browser subscribes with agentd\'s key, and agentd keeps the subscription', async () => {
    await page().getByLabel('Operator token').fill(TOKEN);
    await page().getByRole('button', { name: 'Sign in' }).click();
    await page().locator('[data-connection="live"]').waitFor();
    await page().getByRole('link', { name: /Inbox/ }).click();
    await page().getByRole('button', { name: 'Turn on notifications' }).click();
    await page().getByRole('button', { name: 'Turn off notifications' }).waitFor();

    const key = (await op('GET', '/push/vapid-public-key')).body.public_key;
    expect(await page().evaluate(() => window.__subscribedWith)).toBe(key);
    const { subscriptions } = (await op('GET', '/push/subscriptions')).body;
    expect(subscriptions).toEqual([expect.objectContaining({ endpoint: `${service.url}/push/this-browser`, session_id: null })]);
    expect(subscriptions[0].user_agent).toContain('Chrome');

    expect(await axeFindings(page()), 'axe on the inbox with notifications on').toEqual([]);
    await screenshot(page(), 'inbox-notifications-desktop');
    await page().setViewportSize(PHONE);
    expect(await axeFindings(page()), 'axe on the inbox with notifications on (390 px)').toEqual([]);
    await screenshot(page(), 'inbox-notifications-phone');
    await page().setViewportSize(DESKTOP);
  });

  it('sends a test from the page, and the worker shows it', async () => {
    await page().getByRole('button', { name: 'Send a test' }).click();
    await page().getByText('Test sent: it appears in a moment.').waitFor();
    const message = await relayPush('a test', (m) => m.type === 'webhook.test');
    await displayed('agentd test notification');
    expect((await shown()).find((n) => n.tag === message.tag)).toMatchObject({ title: 'agentd test notification', actions: [] });
  });

  it('shows an approval with Approve and Deny; Approve answers it with the cookie, and the command runs', async () => {
    const file = join(d.dir, 'approved-from-a-notification');
    const session = (await op('POST', '/sessions', { title: 'deploy' })).body.session;
    const run = (await op('POST', `/sessions/${session.id}/messages`, { text: `ask touch ${file}` })).body.run;
    const message = await relayPush('the approval', (m) => m.type === 'approval.requested' && m.session_id === session.id);

    await displayed('Approval needed: deploy');
    expect((await shown()).find((n) => n.tag === message.request_id)).toMatchObject({
      title: 'Approval needed: deploy', body: `run \`touch ${file}\` in ${session.cwd}`, actions: ['approve', 'deny'],
    });
    expect(existsSync(file)).toBe(false);

    await tap(message.request_id, 'approve');
    await waitUntil('the approval is answered', async () => (await op('GET', `/requests/${message.request_id}`)).body.request.state !== 'open');
    expect((await op('GET', `/requests/${message.request_id}`)).body.request).toMatchObject({ state: 'answered', decision: 'approve', answered_by: { kind: 'person', principal: 'op' } });
    expect((await op('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run.state).toBe('completed');
    expect(existsSync(file)).toBe(true);
    expect((await shown()).some((n) => n.tag === message.request_id)).toBe(false);

    // Tapped again from another device's copy: too late, and the notification says so.
    await deliver(message);
    await displayed('Approval needed: deploy', 2);
    await tap(message.request_id, 'deny');
    await displayed('Not done: Deny — Approval needed: deploy');
    expect((await shown()).find((n) => n.tag === message.request_id)).toMatchObject({ body: expect.stringContaining('already answered'), actions: [] });
    expect((await op('GET', `/requests/${message.request_id}`)).body.request.decision).toBe('approve');
  });

  it('Deny from the notification keeps the command from running; a tap on the finished run opens its session', async () => {
    const file = join(d.dir, 'denied-from-a-notification');
    const session = (await op('POST', '/sessions', { title: 'risky' })).body.session;
    const run = (await op('POST', `/sessions/${session.id}/messages`, { text: `ask touch ${file}` })).body.run;
    const approval = await relayPush('the approval', (m) => m.type === 'approval.requested' && m.session_id === session.id);
    await displayed('Approval needed: risky');
    await tap(approval.request_id, 'deny');
    await waitUntil('the run ends', async () => (await op('GET', `/runs/${run.id}`)).body.run.state === 'completed');
    expect((await op('GET', `/requests/${approval.request_id}`)).body.request).toMatchObject({ state: 'answered', decision: 'deny' });
    expect(existsSync(file)).toBe(false);

    await relayPush('the finished run', (m) => m.type === 'run.completed' && m.session_id === session.id);
    await displayed('Run completed: risky');
    expect((await shown()).find((n) => n.tag === session.id)).toMatchObject({ title: 'Run completed: risky', actions: [] });
    await tap(session.id, '');
    await page().getByRole('heading', { name: 'risky' }).waitFor();
    expect(new URL(page().url()).hash).toBe(`#/s/${session.id}`);
  });

  it('turns notifications off: agentd forgets the subscription and the browser drops it', async () => {
    await page().getByRole('link', { name: /Inbox/ }).click();
    await page().getByRole('button', { name: 'Turn off notifications' }).click();
    await page().getByRole('button', { name: 'Turn on notifications' }).waitFor();
    expect((await op('GET', '/push/subscriptions')).body.subscriptions).toEqual([]);
    expect(await page().evaluate(async () => (await (await window.navigator.serviceWorker.ready).pushManager.getSubscription()) === null)).toBe(true);
  });

  it('signing out turns this device\'s notifications off too', async () => {
    await page().getByRole('button', { name: 'Turn on notifications' }).click();
    await page().getByRole('button', { name: 'Turn off notifications' }).waitFor();
    expect((await op('GET', '/push/subscriptions')).body.subscriptions).toHaveLength(1);
    await page().getByRole('button', { name: 'Sign out' }).click();
    await page().getByLabel('Operator token').waitFor();
    expect((await op('GET', '/push/subscriptions')).body.subscriptions).toEqual([]);
    expect(await page().evaluate(async () => (await (await window.navigator.serviceWorker.ready).pushManager.getSubscription()) === null)).toBe(true);
  });

  it('ran under its Content Security Policy without a violation or an uncaught error', () => {
    expect(desk.violations).toEqual([]);
    expect(desk.errors).toEqual([]);
  });
});
