import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

/**
 * Request validation straight from the TypeBox schemas. Query strings, params and headers are
 * text on the wire, so they are converted (and defaults filled in); a JSON body is checked as
 * sent — `{"text": 42}` is an error, not the string "42".
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const textual = httpPart !== 'body';
  return (input: unknown) => {
    const value = textual ? Value.Default(schema, Value.Convert(schema, input)) : input;
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
