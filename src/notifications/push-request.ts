/**
 * A Web Push delivery: the message encrypted for the browser (RFC 8291, aes128gcm) and signed with
 * the daemon's VAPID key (RFC 8292), both by the `web-push` library. It only builds the request:
 * agentd sends it through its own sender, so push services get the same address guard, timeout and
 * history as webhooks (web-push's own sender speaks https only and resolves names by itself).
 */
import webpush from 'web-push';
import type { VapidKeys } from '../store/notifications.js';

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export function newVapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys();
}

export function pushRequest(
  target: PushTarget,
  message: string,
  vapid: VapidKeys & { subject: string },
  options: { ttlS: number; urgency: 'normal' | 'high' },
): { headers: Record<string, string | number>; body: Buffer } {
  const details = webpush.generateRequestDetails(
    { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
    message,
    {
      vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: options.ttlS,
      urgency: options.urgency,
      contentEncoding: 'aes128gcm',
    },
  );
  const headers: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(details.headers)) headers[name.toLowerCase()] = value as string | number;
  delete headers['content-length'];
  return { headers, body: details.body };
}
