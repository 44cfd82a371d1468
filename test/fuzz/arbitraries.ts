/**
 * fast-check arbitraries from the JSON Schemas of the OpenAPI document: values a schema accepts
 * (mixed with realistic ones, by field name, so requests reach past "not found"), and values it
 * refuses (wrong type, out of range, missing or unknown fields).
 */
import fc from 'fast-check';
import type { Schema, SchemaChecker } from '../support/json-schema.js';

export interface ValueSource {
  checker: SchemaChecker;
  /** Realistic values by field or parameter name (ids that exist, enum-like strings, small timeouts). */
  samples: Record<string, fc.Arbitrary<unknown>>;
  /** Upper bounds that keep a request cheap (`timeout_s` would otherwise long-poll for an hour). */
  caps: Record<string, number>;
}

const JUNK_STRINGS = ['', ' ', '\u0000', '%', '%zz', '../../etc/passwd', '__proto__', 'constructor', 'null', '1e3', '-1', '💥', 'a'.repeat(300)];
const anyJson = fc.jsonValue({ maxDepth: 2 });

function stringArb(s: Schema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 40, Math.max(minLength, 40));
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength }) },
  );
}

function numberArb(s: Schema, name: string, source: ValueSource, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (integer ? -1_000_000 : -1e6);
  const max = Math.min(s.maximum ?? (integer ? 1_000_000 : 1e6), source.caps[name] ?? Infinity);
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** A value `schema` accepts. */
export function validValue(schema: Schema, name: string, source: ValueSource, depth = 0): fc.Arbitrary<unknown> {
  const s = source.checker.resolve(schema);
  const generated = fromSchema(s, name, source, depth);
  const sample = source.samples[name];
  return sample ? fc.oneof({ weight: 3, arbitrary: sample }, { weight: 1, arbitrary: generated }) : generated;
}

function fromSchema(s: Schema, name: string, source: ValueSource, depth: number): fc.Arbitrary<unknown> {
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...(s.enum as unknown[]));
  const union = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (union) return fc.oneof(...union.map((part) => validValue(part, name, source, depth)));
  if (s.allOf) return validValue(s.allOf[0], name, source, depth);
  switch (Array.isArray(s.type) ? s.type[0] : s.type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, name, source, true);
    case 'number':
      return numberArb(s, name, source, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(validValue(s.items ?? {}, name, source, depth + 1), { maxLength: 3 });
    case 'object': {
      if (depth > 3) return fc.constant({});
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      const shape = Object.fromEntries(Object.entries(properties).map(([key, member]) => [key, validValue(member, key, source, depth + 1)]));
      return fc.record(shape, { requiredKeys: (s.required ?? []) as string[] });
    }
    default:
      return anyJson;
  }
}

/** A value `schema` refuses (for a schema that refuses anything). */
export function invalidValue(schema: Schema, name: string, source: ValueSource): fc.Arbitrary<unknown> {
  const s = source.checker.resolve(schema);
  const wrongType = (accepted: string): fc.Arbitrary<unknown> =>
    fc.constantFrom<unknown>(...([
      ['string', 'x'], ['integer', 7], ['number', 1.5], ['boolean', true], ['null', null], ['array', [1]], ['object', { a: 1 }],
    ] as const).filter(([type]) => type !== accepted && !(accepted === 'number' && type === 'integer')).map(([, value]) => value));
  const options: fc.Arbitrary<unknown>[] = [];
  if (s.enum || 'const' in s) options.push(fc.constantFrom('not-a-member', 'UPPER', ''));
  const type = Array.isArray(s.type) ? undefined : (s.type as string | undefined);
  if (type) options.push(wrongType(type));
  if (type === 'string') {
    if (s.minLength > 0) options.push(fc.constant('x'.repeat(s.minLength - 1)));
    if (s.maxLength !== undefined && s.maxLength < 10_000) options.push(fc.constant('y'.repeat(s.maxLength + 1)));
  }
  if (type === 'integer' || type === 'number') {
    if (s.minimum !== undefined) options.push(fc.constant(s.minimum - 1));
    if (s.maximum !== undefined) options.push(fc.constant(s.maximum + 1));
    if (type === 'integer') options.push(fc.constant(2.5));
  }
  if (type === 'object') {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    const required = (s.required ?? []) as string[];
    const full = validValue(s, name, source) as fc.Arbitrary<Record<string, unknown>>;
    if (required.length) options.push(fc.tuple(full, fc.constantFrom(...required)).map(([value, drop]) => {
      const { [drop]: _dropped, ...rest } = value;
      return rest;
    }));
    if (s.additionalProperties === false) options.push(full.map((value) => ({ ...value, unexpected_field: 1 })));
    const refusing = Object.entries(properties).filter(([key, member]) => refusesSomething(source.checker.resolve(member)) && key);
    if (refusing.length) {
      options.push(fc.tuple(full, fc.constantFrom(...refusing)).chain(([value, [key, member]]) =>
        invalidValue(member, key, source).map((bad) => ({ ...value, [key]: bad }))));
    }
  }
  return options.length ? fc.oneof(...options) : fc.constant(Symbol('unrefusable'));
}

function refusesSomething(s: Schema): boolean {
  return !!(s.type || s.enum || 'const' in s);
}

/** Text for a query string or header: a valid value written out, or junk. */
export function wireText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

export const junkText = fc.oneof(fc.constantFrom(...JUNK_STRINGS), fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }));
