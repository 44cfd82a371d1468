/**
 * The service worker's answer to `pushsubscriptionchange` (web/src/push/renew.ts): the browser's new
 * subscription reaches agentd, made with agentd's own key when the browser gave none, under the
 * page's prefix and with the cookie; a signed-out browser or an unreachable agentd is a plain false.
 */
import { describe, expect, it } from 'vitest';
import { keyBytes, renewSubscription, type RenewDeps } from '../../../web/src/push/renew.js';

const SCOPE = 'https://box.example/agentd/';
const KEY = Buffer.from(Uint8Array.from({ length: 65 }, (_, i) => i)).toString('base64url');
const fresh = { endpoint: 'https://push.example/new', expirationTime: null, keys: { p256dh: 'p', auth: 'a' } };

function agentd(answers: Record<string, number>) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const subscribedWith: Uint8Array[] = [];
  const deps: RenewDeps = {
    scope: SCOPE,
    async fetch(url, init) {
      calls.push({ url, init });
      const status = answers[`${init?.method ?? 'GET'} ${url}`] ?? 404;
      return new Response(status === 200 ? JSON.stringify({ public_key: KEY }) : '{}', { status });
    },
    async subscribe(key) {
      subscribedWith.push(key);
      return { toJSON: () => fresh };
    },
  };
  return { deps, calls, subscribedWith };
}

describe('renewing a push subscription the browser replaced', () => {
  it('decodes agentd\'s base64url key into the 65 bytes subscribe() wants', () => {
    expect([...keyBytes(KEY)]).toEqual(Array.from({ length: 65 }, (_, i) => i));
  });

  it('subscribes with agentd\'s key when the browser gave no new subscription, then hands it to agentd with the cookie', async () => {
    const { deps, calls, subscribedWith } = agentd({ [`GET ${SCOPE}push/vapid-public-key`]: 200, [`POST ${SCOPE}push/subscriptions`]: 201 });
    expect(await renewSubscription(deps, null)).toBe(true);
    expect(subscribedWith.map((k) => Buffer.from(k).toString('base64url'))).toEqual([KEY]);
    const post = calls.find((c) => c.init?.method === 'POST')!;
    expect(post.init).toMatchObject({ credentials: 'same-origin', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(post.init!.body as string)).toEqual({ subscription: fresh });
  });

  it('hands over the subscription the browser gave, without making another', async () => {
    const { deps, calls, subscribedWith } = agentd({ [`POST ${SCOPE}push/subscriptions`]: 201 });
    const given = { endpoint: 'https://push.example/given', expirationTime: 5, keys: { p256dh: 'P', auth: 'A' } };
    expect(await renewSubscription(deps, { toJSON: () => given })).toBe(true);
    expect(subscribedWith).toEqual([]);
    expect(calls.map((c) => c.url)).toEqual([`${SCOPE}push/subscriptions`]);
    expect(JSON.parse(calls[0]!.init!.body as string)).toEqual({ subscription: given });
  });

  it('is false, subscribing to nothing, when the browser is signed out or agentd cannot be reached', async () => {
    const signedOut = agentd({ [`GET ${SCOPE}push/vapid-public-key`]: 401 });
    expect(await renewSubscription(signedOut.deps, null)).toBe(false);
    expect(signedOut.subscribedWith).toEqual([]);
    const refused = agentd({ [`GET ${SCOPE}push/vapid-public-key`]: 200, [`POST ${SCOPE}push/subscriptions`]: 401 });
    expect(await renewSubscription(refused.deps, null)).toBe(false);
    const unreachable: RenewDeps = { ...signedOut.deps, fetch: async () => { throw new TypeError('Failed to fetch'); } };
    expect(await renewSubscription(unreachable, null)).toBe(false);
  });
});
