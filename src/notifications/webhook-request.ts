/**
 * A webhook delivery as the Standard Webhooks specification has it: the JSON payload as the body,
 * signed with the endpoint's secret by the specification's own library, so receivers verify with
 * theirs. `webhook-id` is the notification's id — the same on every attempt and redelivery, so a
 * receiver drops duplicates by it.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes (the format the libraries take). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function webhookHeaders(secret: string, notificationId: string, payload: string, sentAt: Date, userAgent: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': notificationId,
    // Seconds; receivers refuse a timestamp far from their clock (replays), so it is the real time
    // of sending, never the scheduling clock's.
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(notificationId, sentAt, payload),
  };
}
