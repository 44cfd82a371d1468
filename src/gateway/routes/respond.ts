import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { IdempotencyWrite } from '../../store/store.js';
import type { GatewayDeps } from '../deps.js';
import { idempotencyKeyOf } from '../idempotency.js';

/** The request header of every idempotent route (the body field `idempotency_key` works too). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Replays the first answer for this key instead of acting twice; same as the body field idempotency_key' }),
  ),
});

/**
 * Answers a mutating request through the idempotency guard: the first answer for a key is stored
 * with its effect; a retry replays it byte-for-byte (marked `Idempotent-Replayed: true`).
 */
export async function respondIdempotent<T>(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  effect: (idem: IdempotencyWrite | undefined) => Promise<T>,
): Promise<FastifyReply> {
  const key = idempotencyKeyOf(request.headers, request.body);
  const route = `${request.method} ${request.url.split('?')[0]}`;
  const result = await deps.idempotency.run({ principal: request.principal.id, route, key }, request.body, status, effect);
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  return reply.code(result.status).send(result.body);
}
