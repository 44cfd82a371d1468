/**
 * Entry of the web client. The stylesheet comes with the bundle; the service worker (sw.ts) keeps
 * the shell for offline starts. The page runs under a Content-Security-Policy that requires Trusted
 * Types: its one policy only ever yields the worker's own URL.
 */
import { render } from 'preact';
import './styles.css';
import { app } from './state/app.js';
import { App } from './ui/app.js';
import { applyTheme, currentTheme } from './ui/theme.js';
import { parseRoute } from './ui/router.js';

interface TrustedTypesWindow {
  trustedTypes?: { createPolicy(name: string, rules: { createScriptURL(url: string): string }): { createScriptURL(url: string): unknown } };
}

function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !isSecureContext) return;
  const url = 'sw.js';
  const tt = (window as TrustedTypesWindow).trustedTypes;
  const scriptUrl = tt
    ? tt.createPolicy('agentd-sw', {
      createScriptURL: (value) => {
        if (value !== url) throw new TypeError('only the service worker may be registered');
        return value;
      },
    }).createScriptURL(url)
    : url;
  navigator.serviceWorker.register(scriptUrl as string, { scope: './' }).catch(() => {
    // The page works without it; only offline starts need it.
  });
}

/** A tap on a notification, handled by the service worker, asks an open page to show its session. */
function followServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<{ type?: string; hash?: unknown }>) => {
    if (event.data?.type === 'agentd.open' && typeof event.data.hash === 'string' && event.data.hash.startsWith('#/')) location.hash = event.data.hash;
  });
}

applyTheme(currentTheme());
const root = document.getElementById('app')!;
// The "Loading…" line of index.html is for the seconds before this runs; the app replaces it.
root.textContent = '';
render(<App />, root);
const route = parseRoute(location.hash);
void app.boot(route.name === 'session' ? route.id : null);
followServiceWorker();
addEventListener('load', registerServiceWorker);
