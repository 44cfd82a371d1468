import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

/** Decimal text only: TypeBox's own conversion reads `1e3` as 1, `1.5` as 1 and `0x10` as 16. */
const INTEGER_TEXT = /^-?\d{1,15}$/;
const NUMBER_TEXT = /^-?\d{1,15}(\.\d{1,15})?$/;

/**
 * Query strings, params and headers are text. TypeBox converts them, but loosely; a number a
 * client spelled any other way than plain decimal is left as text, so it fails validation
 * (`?limit=1e3` is a 400, not a page of one).
 */
function convertText(schema: TSchema, input: unknown): unknown {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  // Read before converting: TypeBox converts in place.
  const raw = properties && input !== null && typeof input === 'object' ? { ...(input as Record<string, unknown>) } : undefined;
  const converted = Value.Convert(schema, input);
  if (!properties || !raw || converted === null || typeof converted !== 'object') return converted;
  const out = { ...(converted as Record<string, unknown>) };
  for (const [key, property] of Object.entries(properties)) {
    const text = raw[key];
    if (typeof text !== 'string') continue;
    if (property.type === 'integer') out[key] = INTEGER_TEXT.test(text) ? Number(text) : text;
    else if (property.type === 'number') out[key] = NUMBER_TEXT.test(text) ? Number(text) : text;
  }
  return out;
}

/**
 * Request validation straight from the TypeBox schemas. Query strings, params and headers are
 * text on the wire, so they are converted (and defaults filled in); a JSON body is checked as
 * sent — `{"text": 42}` is an error, not the string "42".
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const textual = httpPart !== 'body';
  return (input: unknown) => {
    const value = textual ? Value.Default(schema, convertText(schema, input)) : input;
    if (check.Check(value)) return { value };
    const errors = [...check.Errors(value)].slice(0, 5).map((e) => ({
      message: e.message,
      instancePath: e.path,
      keyword: 'typebox',
      schemaPath: e.path,
      params: {},
    }));
    const error = Object.assign(new Error(errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')), {
      validation: errors,
    });
    return { error };
  };
};
