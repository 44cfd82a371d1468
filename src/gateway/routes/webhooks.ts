import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DELIVERY_STATES } from '../../domain/notifications.js';
import {
  DeliveryAttemptSchema, DeliverySchema, NotificationPayloadSchema, NotificationTypeSchema, WebhookSchema,
} from '../../protocol/notifications.js';
import { literals, Nullable } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';
import { IdempotencyHeaders, respondIdempotent } from './respond.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const WebhookParams = Type.Object({ id: Id });
const DeliveryParams = Type.Object({ id: Id, delivery_id: Id });
const WebhookEnvelope = Type.Object({ webhook: WebhookSchema });
const DeliveryEnvelope = Type.Object({ delivery: DeliverySchema });
/** A delivery attempted by hand answers after the attempt; a stopping daemon cannot make it. */
const ATTEMPT_PROBLEMS = ['forbidden', 'webhook_not_found', 'delivery_not_found', 'unavailable'] as const;

/**
 * Webhook endpoints (see services/webhooks.ts): create, list, remove, re-enable, test, and the
 * delivery history of each with redelivery. Every route is for operators (run tokens: 403).
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const w = deps.webhooks;

  app.post(
    '/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        summary: 'Add a webhook endpoint; the answer carries its signing secret, shown this once',
        headers: IdempotencyHeaders,
        body: Type.Object({
          url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL; loopback and private addresses need --webhook-allow-private' }),
          events: Type.Array(NotificationTypeSchema, { minItems: 1, maxItems: 20 }),
          session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only this session and the sessions below it' })),
          description: Type.Optional(Type.String({ maxLength: 500 })),
          idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }, { additionalProperties: false }),
        problems: ['forbidden', 'invalid_url', 'address_not_allowed', 'session_not_found'],
        response: {
          201: Type.Object({
            webhook: WebhookSchema,
            secret: Type.String({ description: 'whsec_…: verify signatures with it (Standard Webhooks); not shown again' }),
          }),
        },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) => {
        const { idempotency_key: _key, ...input } = request.body;
        return w.create(request.principal, input, idem);
      }),
  );

  app.get(
    '/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        summary: "The caller's webhook endpoints, oldest first, with their state and delivery counts",
        problems: ['forbidden'],
        response: { 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }) },
      },
    },
    async (request) => w.list(request.principal),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: { operationId: 'getWebhook', summary: 'One webhook endpoint', params: WebhookParams, problems: ['forbidden', 'webhook_not_found'], response: { 200: WebhookEnvelope } },
    },
    async (request) => w.get(request.principal, request.params.id),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        summary: 'Remove a webhook endpoint and its delivery history; nothing more is sent to it',
        params: WebhookParams,
        problems: ['forbidden', 'webhook_not_found'],
        response: { 204: Type.Null({ description: 'Removed' }) },
      },
    },
    async (request, reply) => {
      await w.remove(request.principal, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:id/enable',
    {
      schema: {
        operationId: 'enableWebhook',
        summary: 'Enable an endpoint agentd disabled after its deliveries failed for a day; later notifications reach it again',
        params: WebhookParams,
        problems: ['forbidden', 'webhook_not_found'],
        response: { 200: WebhookEnvelope },
      },
    },
    async (request) => w.enable(request.principal, request.params.id),
  );

  app.post(
    '/webhooks/:id/test',
    {
      schema: {
        operationId: 'testWebhook',
        summary: 'Send a webhook.test notification now (one attempt) and answer with its delivery: status, latency, error',
        params: WebhookParams,
        problems: ATTEMPT_PROBLEMS,
        response: { 200: DeliveryEnvelope },
      },
    },
    async (request) => w.test(request.principal, request.params.id),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "An endpoint's delivery history, newest first",
        params: WebhookParams,
        querystring: Type.Object({
          state: Type.Optional(literals(DELIVERY_STATES)),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 64, description: 'the next_cursor of the previous page' })),
        }),
        problems: ['forbidden', 'webhook_not_found'],
        response: { 200: Type.Object({ deliveries: Type.Array(DeliverySchema), next_cursor: Nullable(Type.String()) }) },
      },
    },
    async (request) => w.deliveries(request.principal, request.params.id, request.query),
  );

  app.get(
    '/webhooks/:id/deliveries/:delivery_id',
    {
      schema: {
        operationId: 'getWebhookDelivery',
        summary: 'One delivery: every attempt (status, latency, error) and the payload sent',
        params: DeliveryParams,
        problems: ['forbidden', 'webhook_not_found', 'delivery_not_found'],
        response: { 200: Type.Object({ delivery: DeliverySchema, attempts: Type.Array(DeliveryAttemptSchema), payload: NotificationPayloadSchema }) },
      },
    },
    async (request) => w.delivery(request.principal, request.params.id, request.params.delivery_id),
  );

  app.post(
    '/webhooks/:id/deliveries/:delivery_id/redeliver',
    {
      schema: {
        operationId: 'redeliverWebhookDelivery',
        summary: 'Attempt one delivery again now, with the same webhook-id, and answer with the delivery after it',
        params: DeliveryParams,
        problems: ATTEMPT_PROBLEMS,
        response: { 200: DeliveryEnvelope },
      },
    },
    async (request) => w.redeliver(request.principal, request.params.id, request.params.delivery_id),
  );
};
