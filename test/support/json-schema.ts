/**
 * A JSON Schema checker for the subset the OpenAPI document uses (type, properties, required,
 * additionalProperties, items, allOf/anyOf/oneOf with a discriminator, enum, const, lengths,
 * bounds, date-time, local $refs). Tests read the document as a client would, so they check
 * responses against it rather than against the TypeBox schemas it was made from.
 */
import { isDeepStrictEqual } from 'node:util';

export type Schema = Record<string, any>;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export class SchemaChecker {
  constructor(private readonly document: Schema) {}

  /** Follows local `$ref`s (`#/components/schemas/Run`) to the schema they name. */
  resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (hops > 20 || !current.$ref.startsWith('#/')) throw new Error(`cannot resolve ${current.$ref}`);
      current = current.$ref
        .slice(2)
        .split('/')
        .reduce((node: any, part: string) => node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], this.document);
      if (!current) throw new Error(`dangling $ref ${schema.$ref}`);
    }
    return current;
  }

  /** Why `value` does not match `schema` (at most a few reasons), or [] when it does. */
  errors(schema: Schema, value: unknown, at = ''): string[] {
    const s = this.resolve(schema);
    const out: string[] = [];
    const fail = (why: string) => out.push(`${at || '/'} ${why}`);

    if (s.allOf) for (const part of s.allOf) out.push(...this.errors(part, value, at));
    if (s.anyOf && !s.anyOf.some((part: Schema) => this.errors(part, value, at).length === 0)) fail('matches none of anyOf');
    if (s.oneOf) {
      const key = s.discriminator?.propertyName as string | undefined;
      const tag = key && value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      const mapped = typeof tag === 'string' ? s.discriminator?.mapping?.[tag] : undefined;
      if (key && !mapped) fail(`${key} ${JSON.stringify(tag)} is not one of the discriminator's values`);
      else if (mapped) out.push(...this.errors({ $ref: mapped }, value, at));
      else {
        const matching = s.oneOf.filter((part: Schema) => this.errors(part, value, at).length === 0).length;
        if (matching !== 1) fail(`matches ${matching} of oneOf, not exactly 1`);
      }
    }
    if ('const' in s && !isDeepStrictEqual(s.const, value)) fail(`is not ${JSON.stringify(s.const)}`);
    if (s.enum && !s.enum.some((v: unknown) => isDeepStrictEqual(v, value))) fail(`${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
    if (s.type) {
      const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
      const actual = typeOf(value);
      if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
        fail(`is ${actual}, not ${types.join('|')}`);
        return out;
      }
    }
    if (typeof value === 'string') {
      if (s.minLength !== undefined && value.length < s.minLength) fail(`is shorter than ${s.minLength}`);
      if (s.maxLength !== undefined && value.length > s.maxLength) fail(`is longer than ${s.maxLength}`);
      if (s.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) fail('is not a date-time');
    }
    if (typeof value === 'number') {
      if (s.minimum !== undefined && value < s.minimum) fail(`is below ${s.minimum}`);
      if (s.maximum !== undefined && value > s.maximum) fail(`is above ${s.maximum}`);
    }
    if (Array.isArray(value) && s.items) value.forEach((item, i) => out.push(...this.errors(s.items, item, `${at}/${i}`)));
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      for (const name of s.required ?? []) if (!(name in object)) fail(`lacks required ${name}`);
      for (const [name, member] of Object.entries(object)) {
        const declared = s.properties?.[name];
        if (declared) out.push(...this.errors(declared, member, `${at}/${name}`));
        else if (s.additionalProperties === false) fail(`has undeclared ${name}`);
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          out.push(...this.errors(s.additionalProperties, member, `${at}/${name}`));
        }
      }
    }
    return out.slice(0, 5);
  }
}
