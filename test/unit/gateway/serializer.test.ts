import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { nullableAsFlag, serializerCompiler } from '../../../src/gateway/serializer.js';
import { Nullable, RunSchema, SessionSchema, type Run } from '../../../src/protocol/schemas.js';

const serialize = (schema: unknown, value: unknown) =>
  (serializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' }) as (v: unknown) => string)(value);

const ts = '2026-11-25T12:00:00.000Z';
const bare: Run = {
  id: 'run_1', session_id: 'ses_1', state: 'queued', provider: 'command', prompt: 'hello', message_id: null, parent_run_id: null,
  worker_id: null, pid: null, exit_code: null, error: null, usage: null, cost_usd: null, final_text: null, attempt: 0,
  created_at: ts, updated_at: ts, started_at: null, ended_at: null,
};
const full: Run = {
  ...bare, state: 'completed', message_id: 'msg_1', parent_run_id: 'run_0', worker_id: 'w', pid: 42, exit_code: 0, error: 'none',
  usage: {
    input_tokens: 30, cached_input_tokens: 10, output_tokens: 5, reasoning_tokens: null, total_tokens: 35, model: 'm', cost_usd: 0.25,
    cost_source: 'estimated', reported: { input_tokens: 30, nested: { a: [1, 'b', null] } },
  },
  cost_usd: 0.25, final_text: 'done "quoted"\n', attempt: 1, started_at: ts, ended_at: ts,
};

describe('response serializer', () => {
  it('writes a run, with every nullable field null or set, exactly as JSON.stringify does', () => {
    const envelope = Type.Object({ run: RunSchema });
    for (const run of [bare, full]) expect(serialize(envelope, { run })).toBe(JSON.stringify({ run }));
  });

  it('serializes nullable fields without a run-time anyOf, on a copy: the route schema (the OpenAPI document) is unchanged', () => {
    const schema = Type.Object({ a: Nullable(Type.String(), { description: 'kept' }) });
    const before = JSON.stringify(schema);
    const rewritten = nullableAsFlag(schema) as { properties: { a: Record<string, unknown> } };
    expect(rewritten.properties.a).toEqual({ type: 'string', description: 'kept', nullable: true });
    expect(JSON.stringify(schema)).toBe(before);
  });

  it('keeps unions that are more than a type or null, and still writes them right', () => {
    // approval_policy is a union of literals or null: left to fast-json-stringify's own anyOf.
    const session = SessionSchema.properties.approval_policy;
    expect((nullableAsFlag(session) as { anyOf?: unknown }).anyOf).toBeDefined();
    const either = Type.Object({ v: Type.Union([Type.String(), Type.Integer(), Type.Null()]) });
    for (const v of ['x', 7, null]) expect(serialize(either, { v })).toBe(JSON.stringify({ v }));
  });
});
