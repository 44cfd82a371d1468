/**
 * Wire schemas of notifications: webhook endpoints, push subscriptions, deliveries, and the
 * payload a receiver gets. Written once; routes, the OpenAPI document and agentctl use them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATES, NOTIFICATION_TYPES, TEST_NOTIFICATION } from '../domain/notifications.js';
import { literals, Nullable, RunStateSchema, Timestamp } from './schemas.js';

export const NotificationTypeSchema = literals(NOTIFICATION_TYPES, { title: 'NotificationType' });
const AnyNotificationType = literals([...NOTIFICATION_TYPES, TEST_NOTIFICATION]);

export const DeliveryCountsSchema = Type.Object({
  pending: Type.Integer(),
  delivered: Type.Integer(),
  failed: Type.Integer(),
}, { title: 'DeliveryCounts' });

export const WebhookSchema = Type.Object({
  id: Type.String({ description: 'whk_…' }),
  url: Type.String(),
  events: Type.Array(NotificationTypeSchema, { description: 'the notification types it receives' }),
  session_id: Nullable(Type.String({ description: 'only notifications of this session and the sessions below it; null: all of the owner' })),
  description: Nullable(Type.String()),
  state: literals(['enabled', 'disabled'] as const),
  disabled_reason: Nullable(Type.String({ description: 'why agentd disabled it (every delivery failed for its whole retry schedule)' })),
  disabled_at: Nullable(Timestamp),
  last_success_at: Nullable(Timestamp),
  deliveries: DeliveryCountsSchema,
  created_at: Timestamp,
  updated_at: Timestamp,
}, { title: 'Webhook' });
export type Webhook = Static<typeof WebhookSchema>;

export const DeliverySchema = Type.Object({
  id: Type.String({ description: 'dlv_…' }),
  notification_id: Type.String({ description: 'ntf_…, sent as webhook-id: the same for every attempt' }),
  webhook_id: Nullable(Type.String()),
  subscription_id: Nullable(Type.String({ description: 'the push subscription, for a Web Push delivery' })),
  type: AnyNotificationType,
  state: literals(DELIVERY_STATES),
  attempts: Type.Integer({ description: 'attempts whose outcome agentd recorded' }),
  next_attempt_at: Nullable(Timestamp),
  last_attempt_at: Nullable(Timestamp),
  last_status: Nullable(Type.Integer({ description: "the receiver's HTTP status; null when no answer came" })),
  last_latency_ms: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Timestamp,
  delivered_at: Nullable(Timestamp),
}, { title: 'Delivery' });
export type Delivery = Static<typeof DeliverySchema>;

export const DeliveryAttemptSchema = Type.Object({
  attempt: Type.Integer(),
  at: Timestamp,
  status: Nullable(Type.Integer()),
  latency_ms: Type.Integer(),
  error: Nullable(Type.String()),
  trigger: literals(['schedule', 'manual'] as const, { description: 'schedule: the outbox; manual: test or redeliver' }),
}, { title: 'DeliveryAttempt' });
export type DeliveryAttempt = Static<typeof DeliveryAttemptSchema>;

export const NotificationActionSchema = Type.Object({
  action: literals(['approve', 'deny', 'respond', 'open'] as const),
  title: Type.String(),
  method: literals(['GET', 'POST'] as const),
  path: Type.String({ description: 'the agentd API path that carries it out' }),
}, { title: 'NotificationAction' });
export type NotificationAction = Static<typeof NotificationActionSchema>;

export const NotificationDataSchema = Type.Object({
  session: Type.Object({
    id: Type.String(),
    title: Nullable(Type.String()),
    parent_session_id: Nullable(Type.String()),
    root_session_id: Type.String(),
  }),
  run: Nullable(Type.Object({
    id: Type.String(),
    state: RunStateSchema,
    provider: Type.String(),
    attempt: Type.Integer(),
    exit_code: Nullable(Type.Integer()),
    created_at: Timestamp,
    started_at: Nullable(Timestamp),
    ended_at: Nullable(Timestamp),
  })),
  request: Nullable(Type.Object({
    id: Type.String(),
    kind: Type.String({ description: 'approval, or an escalation kind (approval_request, permission_request, question)' }),
    text: Type.String(),
    action: Nullable(Type.String()),
    command: Nullable(Type.String()),
    cwd: Nullable(Type.String()),
    tool: Nullable(Type.String()),
    decisions: Type.Array(Type.String()),
  })),
  text: Type.String({ description: 'at most 500 characters: the final text, the error, or what the agent asks' }),
  event_id: Nullable(Type.String({ description: 'the event that caused it (a cursor for GET /sessions/{id}/events)' })),
  actions: Type.Array(NotificationActionSchema),
}, { title: 'NotificationData' });
export type NotificationData = Static<typeof NotificationDataSchema>;

/** What a webhook receiver gets as its body (Standard Webhooks' `{type, timestamp, data}`). */
export const NotificationPayloadSchema = Type.Object({
  type: AnyNotificationType,
  timestamp: Timestamp,
  data: Type.Union([
    NotificationDataSchema,
    Type.Object({ webhook_id: Nullable(Type.String()), subscription_id: Nullable(Type.String()), text: Type.String() }, { title: 'TestNotificationData' }),
  ]),
}, { title: 'NotificationPayload' });
export type NotificationPayload = Static<typeof NotificationPayloadSchema>;

export const PushSubscriptionSchema = Type.Object({
  id: Type.String({ description: 'psh_…' }),
  endpoint: Type.String({ description: "the push service URL the browser gave" }),
  events: Type.Array(NotificationTypeSchema),
  session_id: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  deliveries: DeliveryCountsSchema,
  created_at: Timestamp,
  updated_at: Timestamp,
}, { title: 'PushSubscription' });
export type PushSubscriptionView = Static<typeof PushSubscriptionSchema>;
