/**
 * The OpenAPI 3.1 document served at /openapi.json. @fastify/swagger turns each route's TypeBox
 * schemas into an operation (through `describeOperation`, which adds what the gateway itself
 * answers); `finishDocument` then names the shared schemas, puts the event catalogue in place of
 * the serializer's plain envelope, and declares the headers every response carries.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { EVENT_TYPES, EventVariants, eventSchemaName } from '../../protocol/events.js';
import { SIGN_IN_COOKIE } from '../../services/sign-ins.js';
import { describeOperation } from './operation.js';
import { NamedSchemas, SCHEMA_REF, plain } from './named-schemas.js';

type JsonObject = Record<string, any>;

const HEADER_REF = '#/components/headers/';

const HEADERS = {
  RequestId: {
    description: 'The id of the daemon log line for this request (`http_…`)',
    schema: { type: 'string' },
  },
  IdempotentReplayed: {
    description: 'Present (`true`) when this is the stored answer to an earlier request with the same idempotency key',
    schema: { type: 'string', enum: ['true'] },
  },
  WwwAuthenticate: {
    description: 'The scheme to authenticate with: `Bearer realm="agentd"`',
    schema: { type: 'string' },
  },
};

/** Header names as HTTP writes them; fastify needs them lowercase in route schemas. */
const CANONICAL_HEADER_NAMES: Record<string, string> = {
  'idempotency-key': 'Idempotency-Key',
  'last-event-id': 'Last-Event-ID',
};

/** The `Event` the document shows: one variant per event type, discriminated by `type`. */
function eventUnion(): JsonObject {
  return {
    title: 'Event',
    description: 'An entry of a session\'s event log. `type` tells which variant, and so the shape of `data`.',
    oneOf: plain(EventVariants),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(EVENT_TYPES.map((type) => [type, SCHEMA_REF + eventSchemaName(type)])),
    },
  };
}

function finishOperation(operation: JsonObject): void {
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'header') parameter.name = CANONICAL_HEADER_NAMES[parameter.name] ?? parameter.name;
  }
  // A body whose schema has a default may be left out (POST /sessions: an absent body is {}).
  const body = operation.requestBody;
  if (body && Object.values(body.content as Record<string, { schema?: { default?: unknown } }>).every((media) => media.schema?.default !== undefined)) {
    body.required = false;
  }
  const idempotent = (operation.parameters ?? []).some((p: JsonObject) => p.in === 'header' && p.name === 'Idempotency-Key');
  for (const [status, response] of Object.entries(operation.responses as Record<string, JsonObject>)) {
    if (response.description === 'Default Response') response.description = STATUS_CODES[Number(status)] ?? status;
    // Streams carry it too: the SSE head and the 101 are written with it (gateway/streams).
    const headers: JsonObject = { 'x-request-id': { $ref: `${HEADER_REF}RequestId` } };
    if (idempotent && status.startsWith('2')) headers['Idempotent-Replayed'] = { $ref: `${HEADER_REF}IdempotentReplayed` };
    if (status === '401') headers['WWW-Authenticate'] = { $ref: `${HEADER_REF}WwwAuthenticate` };
    if (Object.keys(headers).length > 0) response.headers = { ...response.headers, ...headers };
  }
}

/** @fastify/swagger's `transformObject`: the finished document. */
export function finishDocument(document: JsonObject): JsonObject {
  const named = new NamedSchemas({ Event: eventUnion() });
  const paths = named.hoist(document.paths) as JsonObject;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item as JsonObject)) finishOperation(operation as JsonObject);
  }
  const schemas = Object.fromEntries(Object.entries(named.components).sort(([a], [b]) => a.localeCompare(b)));
  return {
    ...document,
    paths,
    components: { ...document.components, schemas, headers: HEADERS },
  };
}

export function openapiOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'agentd',
        version,
        description: 'agent-orchestrator gateway API. Errors are RFC 9457 problems (application/problem+json); see docs/api-contract.md.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [
        {
          url: 'http://{host}:{port}',
          description: 'The daemon, as started with --host and --port',
          variables: { host: { default: '127.0.0.1' }, port: { default: '8765' } },
        },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An operator token (--auth-token) or a run token (AGENTD_TOKEN)' },
          ticket: {
            type: 'apiKey',
            in: 'query',
            name: 'ticket',
            description: 'A single-use stream ticket from POST /stream/tickets, for clients that cannot set headers',
          },
          cookie: {
            type: 'apiKey',
            in: 'cookie',
            name: SIGN_IN_COOKIE,
            description: 'The browser session cookie (HttpOnly, SameSite=Strict) that POST /auth/session sets',
          },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    // `const` is valid in OpenAPI 3.1 and keeps the document equal to the TypeBox schemas.
    convertConstToEnum: false,
    transform: describeOperation as FastifyDynamicSwaggerOptions['transform'],
    transformObject: ({ openapiObject }: { openapiObject?: JsonObject }) => finishDocument(openapiObject ?? {}),
  } as FastifyDynamicSwaggerOptions;
}
