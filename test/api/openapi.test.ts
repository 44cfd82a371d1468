/**
 * The OpenAPI document as generators and client authors use it: lint-clean with Redocly's
 * recommended rules, problems declared as sent, optional what is optional, streams, security,
 * headers and named schemas declared — and, where a claim is about behaviour, checked against
 * the live daemon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { EVENT_TYPES } from '../../src/protocol/events.js';
import { ERRORS } from '../../src/domain/errors.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';

type Json = Record<string, any>;

let d: TestDaemon;
let doc: Json;
const operations: { method: string; path: string; op: Json }[] = [];

const opById = (id: string) => {
  const found = operations.find((o) => o.op.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found.op;
};
const param = (op: Json, name: string) => op.parameters?.find((p: Json) => p.name === name);
const codesOf = (response: Json) => response.content['application/problem+json'].schema.allOf[1].properties.code.enum as string[];

beforeAll(async () => {
  d = await startTestDaemon({}, scriptedAgentOptions);
  const res = await d.api('GET', '/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) operations.push({ method: method.toUpperCase(), path, op });
  }
});

afterAll(async () => {
  await d?.close();
});

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended lint with no error and no warning", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const lines = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(lines).toEqual([]);
  });

  it('declares every error as application/problem+json per real status, never as a 4XX/5XX range', () => {
    for (const { method, path, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Json)) {
        expect(status, `${method} ${path}`).toMatch(/^\d{3}$/);
        if (Number(status) < 400) continue;
        expect(Object.keys(response.content), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        const [problem, narrowed] = response.content['application/problem+json'].schema.allOf;
        expect(problem).toEqual({ $ref: '#/components/schemas/Problem' });
        expect(narrowed.properties.status).toEqual({ const: Number(status) });
        for (const code of narrowed.properties.code.enum) expect(ERRORS[code as keyof typeof ERRORS].status, code).toBe(Number(status));
      }
    }
    expect(doc.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
  });

  it("lists each operation's own problems with the statuses they are sent with", () => {
    expect(codesOf(opById('getSession').responses['404'])).toEqual(['session_not_found']);
    expect(codesOf(opById('transitionRun').responses['409'])).toEqual(['invalid_transition', 'state_mismatch']);
    expect(codesOf(opById('createSession').responses['422'])).toEqual(expect.arrayContaining(['unknown_provider', 'invalid_cwd', 'idempotency_key_reused']));
    expect(codesOf(opById('listEvents').responses['400'])).toEqual(expect.arrayContaining(['invalid_cursor', 'validation_failed']));
    expect(codesOf(opById('getDaemonStatus').responses['403'])).toEqual(['forbidden', 'host_not_allowed', 'origin_not_allowed']);
    // Host and Origin are checked before any route, /health included.
    expect(codesOf(opById('getHealth').responses['403'])).toEqual(['host_not_allowed', 'origin_not_allowed']);
    expect(codesOf(opById('respondToRequest').responses['409'])).toEqual(expect.arrayContaining(['request_already_answered', 'idempotency_key_in_flight']));
    // A GET has no body to refuse, and an open route no token to refuse.
    expect(opById('getRun').responses['415']).toBeUndefined();
    expect(opById('getHealth').responses['401']).toBeUndefined();
    expect(opById('getRun').responses['401']).toBeDefined();
  });

  it('sends errors with the media type and codes it declares', async () => {
    const res = await d.api('GET', '/sessions/ses_nothing_here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(codesOf(opById('getSession').responses['404'])).toContain(res.body.code);
    const rebound = await d.api('GET', '/health', { headers: { host: 'evil.example' } });
    expect(rebound.status).toBe(403);
    expect(rebound.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(codesOf(opById('getHealth').responses['403'])).toContain(rebound.body.code);
  });

  it('does not require parameters that have defaults, nor the body of POST /sessions', async () => {
    expect(param(opById('listSessions'), 'limit')).toMatchObject({ in: 'query', required: false, schema: { default: 50 } });
    expect(param(opById('listEvents'), 'limit')).toMatchObject({ in: 'query', required: false, schema: { default: 100 } });
    expect(param(opById('waitRun'), 'timeout_s')).toMatchObject({ in: 'query', required: false, schema: { default: 30 } });
    expect(opById('createSession').requestBody.required).toBe(false);
    expect(opById('postMessage').requestBody.required).toBe(true);
    // …and the daemon indeed takes them left out.
    expect((await d.api('GET', '/sessions')).status).toBe(200);
    expect((await d.api('POST', '/sessions')).status).toBe(201);
  });

  it('declares streams (SSE 200, WebSocket 101, Last-Event-ID), ticket and cookie auth, and the open routes', () => {
    for (const id of ['streamEvents', 'streamSessionEvents']) {
      const op = opById(id);
      expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
      expect(op.responses['101']).toBeDefined();
      expect(param(op, 'Last-Event-ID')).toMatchObject({ in: 'header', required: false });
      expect(op.security).toEqual([{ bearer: [] }, { ticket: [] }, { cookie: [] }]);
      // The ticket is a security scheme, not a plain parameter.
      expect(param(op, 'ticket')).toBeUndefined();
    }
    expect(doc.components.securitySchemes.ticket).toEqual(expect.objectContaining({ type: 'apiKey', in: 'query', name: 'ticket' }));
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.components.securitySchemes.cookie).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'agentd_session' }));
    expect(doc.security).toEqual([{ bearer: [] }, { cookie: [] }]);
    expect(opById('getHealth').security).toEqual([]);
    expect(opById('signOut').security).toEqual([]);
  });

  it('declares Idempotency-Key where it is honoured, and the headers responses carry', async () => {
    const idempotent = ['createSession', 'postMessage', 'createRun', 'spawnFromRun', 'spawnFromSession', 'sendToSession', 'replyParent', 'respondToRequest', 'approveRequest', 'denyRequest', 'createWebhook'];
    for (const { op } of operations) {
      const declared = !!param(op, 'Idempotency-Key');
      expect(declared, op.operationId).toBe(idempotent.includes(op.operationId));
      for (const [status, response] of Object.entries(op.responses as Json)) {
        expect(response.headers?.['x-request-id'], `${op.operationId} ${status}`).toEqual({ $ref: '#/components/headers/RequestId' });
        expect(!!response.headers?.['Idempotent-Replayed'], `${op.operationId} ${status}`).toBe(declared && status.startsWith('2'));
        if (status === '401') expect(response.headers['WWW-Authenticate']).toBeDefined();
      }
    }
    // What the document promises, the daemon sends.
    const first = await d.api('POST', '/sessions', { body: { title: 'idem' }, headers: { 'Idempotency-Key': 'openapi-1' } });
    const replay = await d.api('POST', '/sessions', { body: { title: 'idem' }, headers: { 'Idempotency-Key': 'openapi-1' } });
    expect([first.status, replay.status]).toEqual([201, 201]);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('x-request-id')).toMatch(/^http_/);
  });

  it('lets create endpoints declare only 201, which a replay answers too', () => {
    for (const id of ['createSession', 'postMessage', 'createRun', 'spawnFromRun', 'spawnFromSession', 'sendToSession', 'replyParent', 'respondToRequest', 'createStreamTicket', 'signIn', 'createWebhook', 'subscribePush']) {
      const success = Object.keys(opById(id).responses).filter((s) => s.startsWith('2'));
      expect(success, id).toEqual(['201']);
    }
  });

  it('names the wire objects once under components.schemas', () => {
    const names = ['Session', 'Run', 'Message', 'Event', 'Request', 'Problem', 'Diagnostics', 'DaemonStatus', 'QueueCounts', 'Worker', 'RunState', 'SignInStatus'];
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(names));
    const getSession = opById('getSession').responses['200'].content['application/json'].schema;
    expect(getSession.properties.session).toEqual({ $ref: '#/components/schemas/Session' });
    expect(doc.components.schemas.Session.properties).toHaveProperty('root_session_id');
    // No named schema is also spelled out inline anywhere.
    const inline: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
      else if (node && typeof node === 'object') {
        if (typeof (node as Json).title === 'string') inline.push(at);
        for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
      }
    };
    walk(doc.paths, '#/paths');
    expect(inline).toEqual([]);
  });

  it('describes events as a union discriminated by type, one variant per catalogued type', () => {
    const event = doc.components.schemas.Event;
    expect(event.discriminator.propertyName).toBe('type');
    expect(Object.keys(event.discriminator.mapping).sort()).toEqual([...EVENT_TYPES].sort());
    expect(event.oneOf).toHaveLength(EVENT_TYPES.length);
    for (const [type, ref] of Object.entries(event.discriminator.mapping as Record<string, string>)) {
      const variant = doc.components.schemas[ref.split('/').pop()!];
      expect(variant.properties.type, type).toEqual(expect.objectContaining({ const: type }));
      expect(variant.required).toContain('data');
    }
    expect(doc.components.schemas.RunChange.properties.run).toEqual({ $ref: '#/components/schemas/Run' });
    const events = opById('listEvents').responses['200'].content['application/json'].schema;
    expect(events.properties.events.items).toEqual({ $ref: '#/components/schemas/Event' });
  });

  it('gives every operation a unique operationId and a summary', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations) expect(op.summary, op.operationId).toBeTruthy();
  });
});
