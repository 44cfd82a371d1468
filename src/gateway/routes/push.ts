import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DeliverySchema, NotificationTypeSchema, PushSubscriptionSchema } from '../../protocol/notifications.js';
import { Nullable } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Web Push for the web client (see services/push.ts and docs/api-contract.md#web-push): the VAPID
 * public key to subscribe with, and the browser's subscriptions. Operators only (a browser is
 * signed in with an operator token's cookie); run tokens get 403.
 */
export const pushRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const p = deps.push;

  app.get(
    '/push/vapid-public-key',
    {
      schema: {
        operationId: 'getPushPublicKey',
        summary: "The daemon's VAPID public key (base64url), the applicationServerKey of PushManager.subscribe()",
        problems: ['forbidden'],
        response: { 200: Type.Object({ public_key: Type.String() }) },
      },
    },
    async (request) => p.publicKey(request.principal),
  );

  app.post(
    '/push/subscriptions',
    {
      schema: {
        operationId: 'subscribePush',
        summary: 'Subscribe a browser to notifications; the same endpoint again updates its subscription',
        body: Type.Object({
          subscription: Type.Object({
            endpoint: Type.String({ minLength: 1, maxLength: 2048 }),
            expirationTime: Type.Optional(Nullable(Type.Number())),
            keys: Type.Object({
              p256dh: Type.String({ minLength: 1, maxLength: 200 }),
              auth: Type.String({ minLength: 1, maxLength: 100 }),
            }, { additionalProperties: false }),
          }, { additionalProperties: false, description: 'PushSubscription.toJSON() as the browser gives it' }),
          events: Type.Optional(Type.Array(NotificationTypeSchema, { minItems: 1, maxItems: 20, description: 'default: every type' })),
          session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only this session and the sessions below it' })),
        }, { additionalProperties: false }),
        problems: ['forbidden', 'invalid_url', 'address_not_allowed', 'session_not_found'],
        response: { 201: Type.Object({ subscription: PushSubscriptionSchema }) },
      },
    },
    async (request, reply) => reply.code(201).send(await p.subscribe(request.principal, request.body, request.headers['user-agent'])),
  );

  app.get(
    '/push/subscriptions',
    {
      schema: {
        operationId: 'listPushSubscriptions',
        summary: "The caller's push subscriptions",
        problems: ['forbidden'],
        response: { 200: Type.Object({ subscriptions: Type.Array(PushSubscriptionSchema) }) },
      },
    },
    async (request) => p.list(request.principal),
  );

  app.delete(
    '/push/subscriptions/:id',
    {
      schema: {
        operationId: 'unsubscribePush',
        summary: 'Unsubscribe: nothing more is pushed to that browser',
        params: Params,
        problems: ['forbidden', 'push_subscription_not_found'],
        response: { 204: Type.Null({ description: 'Removed' }) },
      },
    },
    async (request, reply) => {
      await p.remove(request.principal, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/push/subscriptions/:id/test',
    {
      schema: {
        operationId: 'testPushSubscription',
        summary: 'Push a test notification now; answers with its delivery (null: the push service says the subscription is gone, and it was removed)',
        params: Params,
        problems: ['forbidden', 'push_subscription_not_found', 'delivery_not_found', 'unavailable'],
        response: { 200: Type.Object({ delivery: Nullable(DeliverySchema) }) },
      },
    },
    async (request) => p.test(request.principal, request.params.id),
  );
};
