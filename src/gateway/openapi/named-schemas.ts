/**
 * Names in the document: every schema the protocol gives a `title` (Session, Run, Problem, …) is
 * written once under `components.schemas` and referred to with `$ref` everywhere it appears, so
 * generators produce one named type per wire object instead of an anonymous copy per route.
 *
 * The routes keep their schemas inline (fastify compiles them as they are); naming happens only
 * here, on the finished document, so validation and serialization cannot be affected by it.
 */
import { isDeepStrictEqual } from 'node:util';

type Json = unknown;
type JsonObject = Record<string, Json>;

export const SCHEMA_REF = '#/components/schemas/';

function isObject(value: Json): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The schema's name, if it has one; `title` inside `properties` is a field, never a name. */
function nameOf(node: JsonObject): string | undefined {
  return typeof node.title === 'string' && /^[A-Z][A-Za-z0-9]*$/.test(node.title) ? node.title : undefined;
}

/** A plain JSON copy: TypeBox's symbol keys and undefined members dropped. */
export function plain<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema)) as T;
}

export class NamedSchemas {
  readonly components: Record<string, JsonObject> = {};

  /**
   * `overrides` replace what the routes carry under a name with the schema the document should
   * show (the `Event` union, whose serializer form is the plain envelope).
   */
  constructor(private readonly overrides: Record<string, JsonObject> = {}) {}

  /** Returns `node` with every named schema inside it (itself included) replaced by a `$ref`. */
  hoist(node: Json): Json {
    if (Array.isArray(node)) return node.map((item) => this.hoist(item));
    if (!isObject(node)) return node;
    const name = nameOf(node);
    if (name) {
      this.define(name, node);
      return { $ref: SCHEMA_REF + name };
    }
    return this.hoistMembers(node);
  }

  private hoistMembers(node: JsonObject): JsonObject {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      // TypeBox writes a string-keyed record as `patternProperties: {"^(.*)$": …}`, which
      // generators read poorly; @fastify/swagger rewrites the routes' copies the same way.
      if (key === 'patternProperties' && isObject(value) && Object.keys(value).length === 1) {
        out.additionalProperties = this.hoist(Object.values(value)[0]);
        continue;
      }
      // Keys of `properties` are field names: recurse into their schemas, not the map itself.
      out[key] = key === 'properties' && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([field, schema]) => [field, this.hoist(schema)]))
        : this.hoist(value);
    }
    return out;
  }

  private define(name: string, node: JsonObject): void {
    const source = this.overrides[name] ?? node;
    const { title: _title, ...body } = source;
    const existing = this.components[name];
    if (existing === undefined) {
      this.components[name] = {}; // claimed first, so a schema that contains itself terminates
      this.components[name] = this.hoistMembers(body);
      return;
    }
    // Two different schemas under one name would make one of them wrong in every generated client.
    if (!this.overrides[name] && Object.keys(existing).length > 0 && !isDeepStrictEqual(existing, this.hoistMembers(body))) {
      throw new Error(`two different schemas are both titled "${name}"`);
    }
  }
}
