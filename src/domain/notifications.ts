/**
 * What agentd notifies about, and the schedule on which it retries a delivery. No I/O here.
 *
 * A notification is derived from a committed event (see protocol/notifications.ts), queued in the
 * same transaction, and delivered at least once to every webhook endpoint and push subscription
 * that asked for its type.
 */
export const NOTIFICATION_TYPES = ['approval.requested', 'run.completed', 'run.failed', 'run.interrupted', 'session.idle'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** A notification sent only by `test`: it checks an endpoint and is never queued by an event. */
export const TEST_NOTIFICATION = 'webhook.test';
export type AnyNotificationType = NotificationType | typeof TEST_NOTIFICATION;

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export function isNotificationType(value: string): value is NotificationType {
  return (NOTIFICATION_TYPES as readonly string[]).includes(value);
}

/**
 * Delays before attempt 2, 3, …: ×3 from 10 s, capped at 8 h — 11 attempts over about 25 h
 * (10 s, 30 s, 1.5 min, 4.5 min, 13.5 min, 40.5 min, 2 h, 6 h, 8 h, 8 h). A receiver that is down
 * for a deploy gets its notifications within seconds of coming back; one down for a night gets them
 * the next morning; one gone for a day is given up on (and its endpoint disabled).
 */
export const RETRY_DELAYS_MS: readonly number[] = [10, 30, 90, 270, 810, 2430, 7290, 21870, 28800, 28800].map((s) => s * 1000);

/** Each delay is stretched or shrunk by up to this fraction at random, so retries of many deliveries spread out. */
export const RETRY_JITTER = 0.25;

/**
 * How long to wait after failed attempt `attempt` (1-based) before the next one, or null when that
 * was the last. `random` is in [0, 1): 0.5 gives the nominal delay.
 */
export function retryDelayMs(attempt: number, random: number): number | null {
  const base = RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random));
}

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
