/**
 * Response serialization: fast-json-stringify, as fastify's default, but with each nullable field
 * (`anyOf: [T, null]`, how TypeBox writes `Nullable(T)`) rewritten as `T` with `nullable: true`.
 * For `anyOf` the generated serializer asks Ajv at run time which branch a value matches (with
 * format checks: every timestamp is parsed as a date); for `nullable` it tests `=== null`. The
 * rewrite is made on a copy for the serializer only: the route's schema, and so the OpenAPI
 * document, stays as written.
 */
import build from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ anyOf: [T, { type: 'null' }] }` where T is a plain typed schema: T itself, else undefined. */
function nullableBranch(schema: Schema): Schema | undefined {
  const branches = schema.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return undefined;
  const nullAt = branches.findIndex((b) => isObject(b) && b.type === 'null');
  if (nullAt === -1) return undefined;
  const other = branches[1 - nullAt] as unknown;
  if (!isObject(other) || typeof other.type !== 'string' || other.type === 'null') return undefined;
  if ('anyOf' in other || 'oneOf' in other || 'allOf' in other || '$ref' in other) return undefined;
  return other;
}

/** A copy of `schema` with every nullable `anyOf` as a `nullable: true` schema. */
export function nullableAsFlag(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableAsFlag);
  if (!isObject(schema)) return schema;
  const other = nullableBranch(schema);
  if (other) {
    // Keywords beside the anyOf (a description) are kept; TypeBox's symbol keys are not copied.
    const outer = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'anyOf'));
    return { ...(nullableAsFlag(other) as Schema), ...outer, nullable: true };
  }
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = nullableAsFlag(value);
  return copy;
}

export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) =>
  build(nullableAsFlag(schema) as Parameters<typeof build>[0]);
