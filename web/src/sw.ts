/**
 * The service worker: it keeps the shell (page, bundle, manifest, icons) so the app starts without
 * a network, and nothing else. API calls and streams always go to agentd — never a cached answer,
 * which could show a stale session or a request long answered.
 *
 * It also shows agentd's Web Push notifications (push/notification.ts decides what they say and do):
 * an approval's Approve and Deny buttons answer it without opening a page, with the browser's session
 * cookie; a tap on a notification opens its session.
 *
 * The build (scripts/build-web.mjs) defines `__SHELL__` (the files, relative to the worker) and
 * `__CACHE__` (a name that changes with their content, so an upgrade replaces the old shell).
 */
/// <reference lib="webworker" />
import { answerFailed, clickOutcome, notificationOf, parseMessage, type PushMessage, type ShownNotification } from './push/notification.js';
import { renewSubscription } from './push/renew.js';

declare const __SHELL__: string[];
declare const __CACHE__: string;
declare const self: ServiceWorkerGlobalScope;

const shellUrls = new Set(__SHELL__.map((path) => new URL(path, self.registration.scope).href));
const pageUrl = new URL('./', self.registration.scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(__CACHE__).then((cache) => cache.addAll([...shellUrls])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith('agentd-shell-') && name !== __CACHE__).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.hash = '';
  // The page itself: the network first (a new agentd version brings a new shell), the kept copy offline.
  if (request.mode === 'navigate' && (url.href === pageUrl || url.href === `${pageUrl}index.html`)) {
    event.respondWith(fetch(request).catch(async () => (await caches.match(pageUrl)) ?? Response.error()));
    return;
  }
  // Hashed assets, manifest, icons: the kept copy first.
  if (shellUrls.has(url.href)) {
    event.respondWith(caches.match(url.href).then((hit) => hit ?? fetch(request)));
  }
  // Everything else (the API, streams) is not touched.
});

const show = (shown: ShownNotification) => self.registration.showNotification(shown.title, shown.options as NotificationOptions);

self.addEventListener('push', (event) => {
  const message = parseMessage(event.data ? event.data.text() : null);
  event.waitUntil(show(notificationOf(message, self.registration.scope)));
});

self.addEventListener('notificationclick', (event) => {
  const message = event.notification.data as PushMessage;
  event.notification.close();
  const outcome = clickOutcome(message, event.action, self.registration.scope);
  event.waitUntil(outcome.kind === 'answer' ? answer(message, outcome) : openPage(outcome.url, outcome.hash));
});

// The browser replaced the subscription (Firefox does; Chromium does not fire this): tell agentd.
self.addEventListener('pushsubscriptionchange', (event) => {
  const change = event as ExtendableEvent & { newSubscription?: PushSubscription | null };
  change.waitUntil(renewSubscription({
    fetch: (url, init) => fetch(url, init),
    subscribe: (key) => self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
    scope: self.registration.scope,
  }, change.newSubscription ?? null));
});

/** Posts the answer; when it did not go through, a notification says why (and opens the session). */
async function answer(message: PushMessage, outcome: { url: string; body: string; title: string }): Promise<void> {
  let status = 0;
  let detail: string | null = null;
  try {
    const res = await fetch(outcome.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: outcome.body,
    });
    if (res.ok) return;
    status = res.status;
    const problem = await res.json().catch(() => null) as { detail?: string; title?: string } | null;
    detail = problem?.detail ?? problem?.title ?? null;
  } catch {
    // status 0: agentd could not be reached
  }
  await show(answerFailed(message, outcome.title, status, detail, self.registration.scope));
}

/** Shows the session in an open page of the app (it follows the message), else in a new window. */
async function openPage(url: string, hash: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const page = windows.find((w) => w.url.startsWith(self.registration.scope));
  if (!page) {
    await self.clients.openWindow(url);
    return;
  }
  page.postMessage({ type: 'agentd.open', hash });
  // Focusing is allowed only while handling a person's tap; the page has moved either way.
  await page.focus().catch(() => undefined);
}
