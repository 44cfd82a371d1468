/**
 * What an operation declares beyond its route's own schemas, derived in one place from how the
 * gateway treats every route: the problems it can answer with (auth, validation, body parsing,
 * idempotency, plus the route's own `problems`), who may call it, and which parameters a default
 * makes optional. Only the document sees this: fastify validates and serializes with the route's
 * schemas, and problems are sent by the error handler (gateway/problem.ts).
 */
import type { FastifySchema, RouteOptions } from 'fastify';
import { ERRORS, type ErrorCode } from '../../domain/errors.js';
import { ProblemSchema } from '../../protocol/schemas.js';
import { OPEN_ROUTES, TICKET_ROUTES } from '../request-auth.js';

declare module 'fastify' {
  interface FastifySchema {
    /** The codes this route's own logic can answer with; the ones every route shares are added here. */
    problems?: readonly ErrorCode[];
  }
}

type JsonSchema = Record<string, unknown>;

/** Methods whose body fastify reads, whether or not the route declares one. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Methods that write to the store, and so can find it full. */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasProperty(schema: unknown, name: string): boolean {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return !!properties && name in properties;
}

/** Every problem code the route can answer with: its own plus those of the gateway around it. */
export function problemCodes(method: string, url: string, schema: FastifySchema): ErrorCode[] {
  const codes = new Set<ErrorCode>(schema.problems ?? []);
  // Checked before any route (gateway/exposure.ts): a foreign Host, a page of another origin.
  codes.add('host_not_allowed').add('origin_not_allowed');
  if (!OPEN_ROUTES.has(`${method} ${url}`)) codes.add('unauthorized').add('token_expired');
  if (schema.params || schema.querystring || schema.headers || schema.body) codes.add('validation_failed');
  // A path parameter with a malformed percent-escape is refused by the router.
  if (schema.params) codes.add('bad_request');
  // A POST without Content-Type: application/json is refused even without a body (no simple requests).
  if (BODY_METHODS.has(method)) codes.add('invalid_json').add('payload_too_large').add('unsupported_media_type');
  if (hasProperty(schema.headers, 'idempotency-key')) {
    codes.add('bad_request').add('idempotency_key_in_flight').add('idempotency_key_reused');
  }
  // Any request: headers over 16 KiB, or a request not received in time (--header-timeout-ms,
  // --body-timeout-ms), are refused before routing (gateway/client-errors.ts).
  codes.add('headers_too_large').add('request_timeout');
  // A daemon that is stopping refuses what arrives meanwhile (gateway/app.ts).
  codes.add('unavailable');
  // A write the database cannot grow for (a full disk) changes nothing (store write()).
  if (WRITE_METHODS.has(method)) codes.add('storage_full');
  codes.add('internal_error');
  return [...codes];
}

/** One response per status, each naming the codes it carries (the document narrows `code` to them). */
export function problemResponses(codes: readonly ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    list.sort();
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${ERRORS[code].title}`).join('; '),
      content: {
        'application/problem+json': {
          schema: {
            allOf: [
              ProblemSchema,
              {
                type: 'object',
                required: ['status', 'code'],
                properties: { status: { const: status }, code: { enum: list } },
              },
            ],
          },
        },
      },
    };
  }
  return responses;
}

/** Who may call the route; undefined leaves the document's default (a bearer token). */
function securityOf(routeKey: string): FastifySchema['security'] {
  if (OPEN_ROUTES.has(routeKey)) return [];
  if (TICKET_ROUTES.has(routeKey)) return [{ bearer: [] }, { ticket: [] }, { cookie: [] }];
  return undefined;
}

/** A parameter the gateway fills with its default is one the client may leave out. */
function defaultsOptional(schema: unknown): unknown {
  const object = schema as { properties?: Record<string, { default?: unknown }>; required?: string[] } | undefined;
  if (!object?.properties || !object.required) return schema;
  const required = object.required.filter((name) => object.properties![name]?.default === undefined);
  return { ...object, required };
}

/** @fastify/swagger's per-route transform: the route's schema as the document should describe it. */
export function describeOperation({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }) {
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  const routeKey = `${method} ${url}`;
  if (!schema || schema.hide) return { schema, url };
  const security = securityOf(routeKey);
  const described: FastifySchema = {
    ...schema,
    ...(schema.querystring ? { querystring: defaultsOptional(schema.querystring) } : {}),
    ...(schema.headers ? { headers: defaultsOptional(schema.headers) } : {}),
    response: { ...(schema.response as object), ...problemResponses(problemCodes(method, url, schema)) },
    ...(security ? { security } : {}),
  };
  delete described.problems;
  return { schema: described, url };
}
