/**
 * Web Push on this device: whether the browser can take agentd's notifications, whether it is
 * subscribed, and turning it on and off. The browser's PushSubscription (made with agentd's VAPID
 * key) is handed to agentd, which pushes approvals and finished runs to it; the service worker
 * (sw.ts) shows them. Nothing here is kept by the page: the browser keeps the subscription, agentd
 * keeps its copy, and the state is read again from both.
 */
import { NotificationsClient } from '../../../src/client/notifications-client.js';
import { api, ApiError, describeError } from '../api.js';
import { Cell } from './cell.js';
import { keyBytes } from '../push/renew.js';

export type PushState =
  | { status: 'checking' }
  /** No service worker, Push API or notifications here (an old browser, or plain http off localhost). */
  | { status: 'unsupported' }
  /** The person (or the browser) refused notifications for this site. */
  | { status: 'blocked' }
  | { status: 'off'; note?: string }
  | { status: 'on'; subscriptionId: string; note?: string }
  | { status: 'working'; was: 'off' | 'on' };

const client = new NotificationsClient(api);

function supported(): boolean {
  return isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const bytes = new Uint8Array(a);
  return bytes.every((byte, i) => byte === b[i]);
}

/**
 * The service worker's registration (the page registers it at load; a browser that refused it —
 * some private modes do — has none, and then no push either).
 */
async function registration(): Promise<ServiceWorkerRegistration> {
  const registered = await navigator.serviceWorker.getRegistration();
  if (!registered) throw new Error('the service worker is not installed: reload the page');
  return registered.active ? registered : navigator.serviceWorker.ready;
}

export class PushModel {
  readonly state = new Cell<PushState>({ status: 'checking' });

  /** Reads whether this browser is subscribed, and whether agentd still has that subscription. */
  async refresh(): Promise<void> {
    if (!supported()) return this.state.set({ status: 'unsupported' });
    if (Notification.permission === 'denied') return this.state.set({ status: 'blocked' });
    try {
      // Before the page's first registration there is none, and so no subscription either.
      const registered = await navigator.serviceWorker.getRegistration();
      const subscription = await registered?.pushManager.getSubscription();
      if (!subscription || Notification.permission !== 'granted') return this.state.set({ status: 'off' });
      const known = (await client.listPushSubscriptions()).subscriptions.find((s) => s.endpoint === subscription.endpoint);
      // agentd forgets a subscription its push service calls gone, or after a new database.
      this.state.set(known ? { status: 'on', subscriptionId: known.id } : { status: 'off' });
    } catch (err) {
      this.state.set({ status: 'off', note: describeError(err) });
    }
  }

  async turnOn(): Promise<void> {
    this.state.set({ status: 'working', was: 'off' });
    try {
      const permission = await Notification.requestPermission();
      if (permission === 'denied') return this.state.set({ status: 'blocked' });
      if (permission !== 'granted') return this.state.set({ status: 'off', note: 'Notifications were not allowed.' });
      const key = keyBytes((await client.pushPublicKey()).public_key);
      const pushManager = (await registration()).pushManager;
      let subscription = await pushManager.getSubscription();
      // One made with another key (agentd's database was replaced) cannot receive agentd's pushes.
      if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      const json = subscription.toJSON();
      const { subscription: kept } = await client.subscribePush({
        subscription: { endpoint: subscription.endpoint, expirationTime: json.expirationTime ?? null, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } },
      });
      this.state.set({ status: 'on', subscriptionId: kept.id });
    } catch (err) {
      this.state.set({ status: 'off', note: `Could not turn notifications on: ${describeError(err)}` });
    }
  }

  async turnOff(): Promise<void> {
    const current = this.state.value;
    this.state.set({ status: 'working', was: 'on' });
    try {
      if (current.status === 'on') {
        await client.unsubscribePush(current.subscriptionId).catch((err: unknown) => {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
        });
      }
      await (await (await registration()).pushManager.getSubscription())?.unsubscribe();
      this.state.set({ status: 'off' });
    } catch (err) {
      this.state.set(current.status === 'on' ? { ...current, note: `Could not turn notifications off: ${describeError(err)}` } : { status: 'off' });
    }
  }

  /**
   * Signing out: this browser stops receiving notifications (a shared device must not go on showing
   * what agents ask, nor offer buttons that no longer work). Best effort: sign-out goes on anyway.
   */
  async forgetThisDevice(): Promise<void> {
    if (!supported()) return;
    try {
      const registered = await navigator.serviceWorker.getRegistration();
      const subscription = await registered?.pushManager.getSubscription();
      if (!subscription) return;
      const known = (await client.listPushSubscriptions()).subscriptions.find((s) => s.endpoint === subscription.endpoint);
      if (known) await client.unsubscribePush(known.id);
      await subscription.unsubscribe();
    } catch {
      // agentd unreachable or the cookie already gone: its push service's 410 will remove it later
    } finally {
      this.state.set({ status: 'checking' });
    }
  }

  /** Asks agentd to push a test notification to this browser now. */
  async test(): Promise<void> {
    const current = this.state.value;
    if (current.status !== 'on') return;
    this.state.set({ status: 'working', was: 'on' });
    try {
      const { delivery } = await client.testPushSubscription(current.subscriptionId);
      if (!delivery) return this.state.set({ status: 'off', note: "The browser's push service says this subscription is gone: turn notifications on again." });
      this.state.set({
        ...current,
        note: delivery.state === 'delivered' ? 'Test sent: it appears in a moment.' : `The push service did not take it: ${delivery.last_error ?? `HTTP ${delivery.last_status}`}`,
      });
    } catch (err) {
      this.state.set({ ...current, note: describeError(err) });
    }
  }
}

export const push = new PushModel();
