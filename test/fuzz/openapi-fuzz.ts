/**
 * A schema-driven fuzzer over every operation of the daemon's own /openapi.json. Each request is
 * built from the operation's declared parameters and body — valid values (realistic ones mixed
 * in, so requests get past "not found") or one malformed part: a wrong path or query value, bad
 * JSON, a body that breaks the schema, the wrong content type, an oversize body, missing, wrong,
 * expired or run-scoped credentials. Every answer must be below 500, declared for that operation,
 * carry x-request-id, and match the document: problems as application/problem+json with the
 * documented fields and codes, successes with the documented body.
 */
import http from 'node:http';
import fc from 'fast-check';
import { SchemaChecker, type Schema } from '../support/json-schema.js';
import { invalidValue, junkText, validValue, wireText, type ValueSource } from './arbitraries.js';

export interface Operation {
  id: string;
  method: string;
  path: string;
  spec: Schema;
}

export interface FuzzRequest {
  operation: string;
  variant: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzSetup {
  url: string;
  document: Schema;
  /** Bearer tokens by kind: the operator's, a live run token, a run token whose run ended. */
  tokens: { operator: string; run?: string; expiredRun?: string; /** A signed-in browser's `Cookie` header value. */ cookie?: string };
  samples: Record<string, fc.Arbitrary<unknown>>;
  caps: Record<string, number>;
  bodyLimitBytes: number;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  byVariant: Record<string, number>;
  byOperation: Record<string, number>;
  serverErrors: number;
  violations: string[];
}

export function operationsOf(document: Schema): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Schema>)) {
    for (const [method, spec] of Object.entries(item)) out.push({ id: spec.operationId, method: method.toUpperCase(), path, spec });
  }
  return out;
}

/** Header values must be visible ASCII, or the client refuses to send them. */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, '').trim();

/**
 * One path segment for a value. `.` and `..` are not values a client can send: URL normalization
 * (RFC 3986 5.2.4, also for %2E) removes them, so they stand for another path altogether.
 */
const segment = (text: string) => {
  const encoded = encodeURIComponent(text) || 'x';
  return encoded === '.' || encoded === '..' ? `${encoded}x` : encoded;
};

/** The arbitrary of requests to one operation. */
function requestsFor(op: Operation, setup: FuzzSetup, source: ValueSource): fc.Arbitrary<FuzzRequest> {
  const params = (op.spec.parameters ?? []) as Schema[];
  const inPath = params.filter((p) => p.in === 'path');
  const inQuery = params.filter((p) => p.in === 'query');
  const inHeader = params.filter((p) => p.in === 'header');
  const bodySchema: Schema | undefined = op.spec.requestBody?.content?.['application/json']?.schema;
  const bodyRequired = op.spec.requestBody?.required === true;
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(op.method);
  const openRoute = Array.isArray(op.spec.security) && op.spec.security.length === 0;

  const valid = fc.record({
    // `{id}` samples are looked up by the collection before it: `sessions/id`, `runs/id`, `requests/id`.
    path: fc.tuple(...inPath.map((p) => validValue(p.schema, `${op.path.split('/')[1]}/${p.name}`, source))),
    query: fc.tuple(...inQuery.map((p) => (p.required ? validValue(p.schema, p.name, source) : fc.option(validValue(p.schema, p.name, source), { nil: undefined })))),
    headers: fc.tuple(...inHeader.map((p) => fc.option(validValue(p.schema, p.name, source), { nil: undefined }))),
    body: bodySchema ? (bodyRequired ? validValue(bodySchema, 'body', source) : fc.option(validValue(bodySchema, 'body', source), { nil: undefined })) : fc.constant(undefined),
  });

  type Parts = { path: unknown[]; query: (unknown | undefined)[]; headers: (unknown | undefined)[]; body: unknown };
  type Mutation = { variant: string; apply: (r: Built) => void };
  type Built = { path: string[]; query: [string, string][]; headers: Record<string, string>; body?: string };

  const mutations: fc.Arbitrary<Mutation>[] = [fc.constant({ variant: 'valid', apply: () => {} })];
  if (inPath.length) {
    mutations.push(fc.tuple(fc.nat(inPath.length - 1), fc.oneof(junkText, invalidValue(inPath[0]!.schema, inPath[0]!.name, source).map(wireText), fc.constant('z'.repeat(101)))).map(([i, text]) => ({
      variant: 'bad-path',
      apply: (r: Built) => {
        // A raw `%` escape is left in to test the router; anything else is encoded so it stays one segment.
        r.path[i] = text === '%' || text === '%zz' ? text : segment(text);
      },
    })));
  }
  if (inQuery.length) {
    mutations.push(fc.tuple(fc.constantFrom(...inQuery), fc.oneof(junkText, fc.constantFrom('1e3', '-5', '0.5', '99999999999', 'true'))).map(([p, text]) => ({
      variant: 'bad-query',
      apply: (r: Built) => r.query.push([p.name, text]),
    })));
  }
  mutations.push(fc.tuple(fc.constantFrom('limit', 'cursor', 'foo', '__proto__', 'ticket'), junkText).map(([name, text]) => ({
    variant: 'extra-query',
    apply: (r: Built) => r.query.push([name, text]),
  })));
  if (inHeader.length) {
    mutations.push(fc.tuple(fc.constantFrom(...inHeader), fc.oneof(junkText, fc.constant('k'.repeat(300)), fc.constant('evt_not_a_cursor'))).map(([p, text]) => ({
      variant: 'bad-header',
      apply: (r: Built) => (r.headers[p.name.toLowerCase()] = headerSafe(text) || '-'),
    })));
  }
  if (hasBody) {
    mutations.push(fc.oneof(fc.constantFrom('{', '{"a":', '[1,2', 'nul', '"unterminated', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'), fc.string({ maxLength: 30 })).map((text) => ({
      variant: 'bad-json',
      apply: (r: Built) => {
        r.body = text;
        r.headers['content-type'] = 'application/json';
      },
    })));
    mutations.push(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx').map((type) => ({
      variant: 'bad-content-type',
      apply: (r: Built) => {
        r.body ??= '{}';
        r.headers['content-type'] = type;
      },
    })));
    mutations.push(fc.constant({
      variant: 'oversize',
      apply: (r: Built) => {
        r.body = JSON.stringify({ text: 'x'.repeat(setup.bodyLimitBytes) });
        r.headers['content-type'] = 'application/json';
      },
    }));
    mutations.push(fc.oneof(anyJsonBody, bodySchema ? invalidValue(bodySchema, 'body', source) : anyJsonBody).map((value) => ({
      variant: 'bad-body',
      apply: (r: Built) => {
        r.body = JSON.stringify(value) ?? 'null';
        r.headers['content-type'] = 'application/json';
      },
    })));
  }
  // What a web page or a rebinding attack sends (gateway/exposure.ts).
  mutations.push(fc.constantFrom('evil.example', 'evil.example:80', 'bad host!', '127.0.0.1.evil.example').map((host) => ({
    variant: 'foreign-host',
    apply: (r: Built) => (r.headers.host = host),
  })));
  mutations.push(fc.constantFrom('http://evil.example', 'null', 'file://', 'http://127.0.0.1:1').map((origin) => ({
    variant: 'foreign-origin',
    apply: (r: Built) => (r.headers.origin = origin),
  })));
  if (!openRoute) {
    const cookies = ['agentd_session=not-a-sign-in', 'agentd_session=', 'other=1', ...(setup.tokens.cookie ? [setup.tokens.cookie, setup.tokens.cookie] : [])];
    mutations.push(fc.constantFrom(...cookies).map((cookie) => ({
      variant: 'cookie',
      apply: (r: Built) => {
        delete r.headers.authorization;
        r.headers.cookie = cookie;
      },
    })));
    mutations.push(fc.constantFrom('none', 'wrong', 'basic', 'empty-bearer', 'run', 'expired-run').map((kind) => ({
      variant: `auth-${kind}`,
      apply: (r: Built) => {
        const value = {
          none: undefined,
          wrong: 'Bearer not-a-token',
          basic: 'Basic dXNlcjpwYXNz',
          'empty-bearer': 'Bearer ',
          run: setup.tokens.run ? `Bearer ${setup.tokens.run}` : undefined,
          'expired-run': setup.tokens.expiredRun ? `Bearer ${setup.tokens.expiredRun}` : undefined,
        }[kind];
        if (value === undefined) delete r.headers.authorization;
        else r.headers.authorization = value;
      },
    })));
  }

  return fc.tuple(valid, fc.oneof({ weight: 3, arbitrary: mutations[0]! }, { weight: 4, arbitrary: fc.oneof(...mutations.slice(1)) })).map(([parts, mutation]: [Parts, Mutation]) => {
    const built: Built = {
      path: parts.path.map((v) => segment(wireText(v))),
      query: inQuery.flatMap((p, i) => (parts.query[i] === undefined ? [] : [[p.name, wireText(parts.query[i])] as [string, string]])),
      headers: { authorization: `Bearer ${setup.tokens.operator}` },
    };
    inHeader.forEach((p, i) => {
      const value = parts.headers[i];
      if (value !== undefined) built.headers[p.name.toLowerCase()] = headerSafe(wireText(value)) || '-';
    });
    if (parts.body !== undefined) {
      built.body = JSON.stringify(parts.body);
      built.headers['content-type'] = 'application/json';
    }
    mutation.apply(built);
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => built.path[i++]!);
    const query = built.query.length ? `?${built.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '';
    return { operation: op.id, variant: mutation.variant, method: op.method, path: path + query, headers: built.headers, body: built.body };
  });
}

const anyJsonBody = fc.jsonValue({ maxDepth: 3 });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(url: string, request: FuzzRequest, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const req = http.request(url + request.path, { method: request.method, headers, agent, timeout: 15_000 }, (res) => {
      // A stream stays open: its status and headers are the answer.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' });
        res.destroy();
        return;
      }
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** What is wrong with the answer, by the document; [] when nothing. */
function judge(op: Operation, answer: Answer, checker: SchemaChecker): string[] {
  const problems: string[] = [];
  const { status } = answer;
  if (status >= 500) problems.push(`server error ${status}: ${answer.text.slice(0, 300)}`);
  const declared = op.spec.responses?.[String(status)] as Schema | undefined;
  if (!declared) return [...problems, `status ${status} is not declared (declared: ${Object.keys(op.spec.responses).join(', ')}); body ${answer.text.slice(0, 200)}`];
  const type = String(answer.headers['content-type'] ?? '').split(';')[0]!.trim();
  const media = declared.content ? Object.keys(declared.content) : [];
  if (media.length && !media.includes(type)) problems.push(`content-type ${type || '(none)'}, declared ${media.join(', ')}`);
  if (!answer.headers['x-request-id']) problems.push('no x-request-id header');
  if (answer.headers['idempotent-replayed'] !== undefined && !declared.headers?.['Idempotent-Replayed']) problems.push('undeclared Idempotent-Replayed header');
  if (type === 'application/json' || type === 'application/problem+json') {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [...problems, `body is not JSON: ${answer.text.slice(0, 200)}`];
    }
    const schema = declared.content?.[type]?.schema as Schema | undefined;
    if (schema) problems.push(...checker.errors(schema, body).map((e) => `body ${e}`));
    if (/\n\s+at /.test(answer.text)) problems.push('body holds a stack trace');
  }
  return problems;
}

function count(map: Record<string, number>, key: string) {
  map[key] = (map[key] ?? 0) + 1;
}

/**
 * Sends at least `numRuns` generated requests (more if fast-check shrinks a failure) and reports them.
 * Each operation gets its own equal share, so every operation is exercised on every run: one draw
 * over all operations at once left an operation out of a 300-request run about one time in thirteen.
 */
export async function fuzzOpenApi(setup: FuzzSetup, numRuns: number, seed?: number): Promise<FuzzReport> {
  const checker = new SchemaChecker(setup.document);
  const source: ValueSource = { checker, samples: setup.samples, caps: setup.caps };
  const operations = operationsOf(setup.document);
  const report: FuzzReport = { requests: 0, byStatus: {}, byVariant: {}, byOperation: {}, serverErrors: 0, violations: [] };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const perOperation = Math.max(1, Math.ceil(numRuns / operations.length));
  try {
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(requestsFor(op, setup, source), async (request) => {
          const answer = await send(setup.url, request, agent);
          report.requests += 1;
          count(report.byStatus, String(answer.status));
          count(report.byVariant, request.variant);
          count(report.byOperation, request.operation);
          if (answer.status >= 500) report.serverErrors += 1;
          const problems = judge(op, answer, checker);
          if (problems.length) {
            report.violations.push(`${request.method} ${request.path} (${request.variant}) → ${answer.status}: ${problems.join('; ')}`);
            throw new Error(`${op.id}: ${problems.join('; ')}`);
          }
        }),
        { numRuns: perOperation, ...(seed === undefined ? {} : { seed }), endOnFailure: true },
      );
    }
  } finally {
    agent.destroy();
  }
  return report;
}
