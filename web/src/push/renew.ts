/**
 * A browser may replace a push subscription on its own (Firefox does when one expires or its keys
 * rotate) and tells only the service worker, with `pushsubscriptionchange`. Without this agentd
 * would keep pushing to the old endpoint, get 410 and forget it: the device would fall silent.
 * The worker subscribes again with agentd's key and hands the new subscription to agentd, with the
 * browser's session cookie. No worker globals here, so unit tests run it.
 */

/** base64url (agentd's VAPID public key) to the bytes PushManager.subscribe() wants. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

export interface SubscriptionJson {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

export interface RenewDeps {
  /** fetch, sending the browser's cookie. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** PushManager.subscribe() with this application server key. */
  subscribe(key: Uint8Array<ArrayBuffer>): Promise<{ toJSON(): SubscriptionJson }>;
  /** The worker's scope: agentd's base URL (a proxy's prefix included). */
  scope: string;
}

/**
 * Hands agentd the browser's new subscription (`given`, or one made now with agentd's key).
 * Returns whether agentd took it; false when this browser is signed out or agentd is unreachable —
 * the person then turns notifications on again from the page.
 */
export async function renewSubscription(deps: RenewDeps, given: { toJSON(): SubscriptionJson } | null): Promise<boolean> {
  const json = { credentials: 'same-origin' as const, headers: { 'content-type': 'application/json' } };
  try {
    let subscription = given;
    if (!subscription) {
      const res = await deps.fetch(new URL('push/vapid-public-key', deps.scope).href, { credentials: 'same-origin' });
      if (!res.ok) return false;
      subscription = await deps.subscribe(keyBytes(((await res.json()) as { public_key: string }).public_key));
    }
    const { endpoint, expirationTime, keys } = subscription.toJSON();
    const res = await deps.fetch(new URL('push/subscriptions', deps.scope).href, {
      ...json,
      method: 'POST',
      body: JSON.stringify({ subscription: { endpoint, expirationTime: expirationTime ?? null, keys: { p256dh: keys?.p256dh, auth: keys?.auth } } }),
    });
    return res.ok;
  } catch {
    return false;
  }
}
