import fc from "fast-check";
import { type JsonSchema, type OpenApiDocument, resolve } from "./operations.ts";

/**
 * Values that are valid, or nearly so, for a JSON Schema of the app's document: the starting
 * point every mutation works from. Arrays are kept short and strings modest, so that requests
 * stay cheap and most of them pass validation and reach SQL; the mutations bring the sizes.
 */
export interface Sampler {
  document: OpenApiDocument;
  /**
   * Values to offer for a property or parameter of this name besides the schema's own (the
   * fixture's ids, an embedding of the configured dimension), so that requests hit stored rows.
   */
  hints: Record<string, readonly unknown[]>;
}

const MAX_ITEMS = 3;
const MAX_STRING = 24;
/** Past this depth only scalars are generated: the document has no deeper schemas anyway. */
const MAX_DEPTH = 8;

export function valueFor(
  sampler: Sampler,
  schema: JsonSchema,
  name?: string,
  depth = 0,
): fc.Arbitrary<unknown> {
  const generated = fromSchema(sampler, resolve(sampler.document, schema), depth);
  const hinted = name === undefined ? undefined : sampler.hints[name];
  if (!hinted?.length) return generated;
  return fc.oneof({ arbitrary: fc.constantFrom(...hinted), weight: 3 }, {
    arbitrary: generated,
    weight: 1,
  });
}

function fromSchema(sampler: Sampler, schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if ("const" in schema) return fc.constant(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) {
    return fc.oneof(...alternatives.map((s) => valueFor(sampler, s, undefined, depth)));
  }
  if (Array.isArray(schema.allOf)) {
    const merged = Object.assign({}, ...schema.allOf.map((s) => resolve(sampler.document, s)));
    return fromSchema(sampler, merged, depth);
  }
  const example = "example" in schema ? [fc.constant(schema.example)] : [];
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return fc.oneof(...example, ...types.map((type) => ofType(sampler, schema, type, depth)));
}

function ofType(
  sampler: Sampler,
  schema: JsonSchema,
  type: unknown,
  depth: number,
): fc.Arbitrary<unknown> {
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer({ min: bound(schema.minimum, -1e6), max: bound(schema.maximum, 1e6) });
    case "number":
      return fc.double({
        min: bound(schema.minimum, -1e6),
        max: bound(schema.maximum, 1e6),
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "string":
      return stringFor(schema);
    case "array":
      return arrayFor(sampler, schema, depth);
    case "object":
    case undefined:
      return depth >= MAX_DEPTH ? fc.constant({}) : objectFor(sampler, schema, depth);
    default:
      throw new Error(`no generator for type ${String(type)}`);
  }
}

const bound = (value: unknown, otherwise: number) => typeof value === "number" ? value : otherwise;

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === "uuid") return fc.uuid();
  if (schema.format === "date-time") {
    return fc.date({
      min: new Date("2000-01-01"),
      max: new Date("2100-01-01"),
      noInvalidDate: true,
    })
      .map((date) => date.toISOString());
  }
  if (typeof schema.pattern === "string") return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = bound(schema.minLength, 0);
  const maxLength = Math.max(minLength, Math.min(bound(schema.maxLength, MAX_STRING), MAX_STRING));
  return fc.string({ minLength, maxLength, unit: "grapheme" });
}

function arrayFor(sampler: Sampler, schema: JsonSchema, depth: number): fc.Arbitrary<unknown[]> {
  if (Array.isArray(schema.prefixItems)) {
    return fc.tuple(...schema.prefixItems.map((s) => valueFor(sampler, s, undefined, depth + 1)));
  }
  const items = (schema.items ?? {}) as JsonSchema;
  const minLength = bound(schema.minItems, 0);
  const maxLength = Math.max(minLength, Math.min(bound(schema.maxItems, MAX_ITEMS), MAX_ITEMS));
  return fc.array(valueFor(sampler, items, undefined, depth + 1), { minLength, maxLength });
}

function objectFor(sampler: Sampler, schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  if (Object.keys(properties).length === 0) {
    // A free-form object (metadata, settings, properties): small JSON of any shape.
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    });
  }
  const model = Object.fromEntries(
    Object.entries(properties).map(([key, s]) => [key, valueFor(sampler, s, key, depth + 1)]),
  );
  return fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
}
