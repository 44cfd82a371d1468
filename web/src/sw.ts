/**
 * The service worker: it keeps the shell (page, bundle, manifest, icons) so the app starts without
 * a network, and nothing else. API calls and streams always go to agentd — never a cached answer,
 * which could show a stale session or a request long answered.
 *
 * The build (scripts/build-web.mjs) defines `__SHELL__` (the files, relative to the worker) and
 * `__CACHE__` (a name that changes with their content, so an upgrade replaces the old shell).
 */
/// <reference lib="webworker" />
export {};
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
