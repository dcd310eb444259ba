import { z } from "@hono/zod-openapi";
import type { Limits } from "../config.ts";

const encoder = new TextEncoder();
// JSON.stringify writes a lone surrogate as an escape and a valid pair as raw characters, so an
// escaped surrogate in its output means text PostgreSQL would refuse.
const ESCAPED_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/i;
const NUL = "\u0000";

/** Whether `text` is at most `limit` bytes of UTF-8, encoding it only when its length can't tell. */
function withinBytes(text: string, limit: number): boolean {
  if (text.length > limit) return false;
  if (text.length * 3 <= limit) return true;
  return encoder.encode(text).byteLength <= limit;
}

/**
 * The field types every request is built from, with the limits of the configuration. Strings
 * that PostgreSQL cannot store (NUL characters, unpaired surrogates) are refused here with the
 * field's path, before anything reaches the database.
 */
export function fieldSchemas(limits: Limits) {
  const storableText = z.string()
    .refine((text) => !text.includes(NUL), "must not contain NUL characters")
    .refine((text) => text.isWellFormed(), "must be well-formed Unicode (no lone surrogates)");

  /** Client-chosen ids, LightRAG style: any 1–255 characters. */
  const id = storableText.pipe(z.string().min(1).max(255)).openapi({ example: "doc-1" });

  /** Text with meaning (content, prompts): not blank, at most the text limit. */
  const text = storableText
    .refine((value) => value.trim().length > 0, "must not be empty or blank")
    .refine(
      (value) => withinBytes(value, limits.textBytes),
      `must be at most ${limits.textBytes} bytes of UTF-8`,
    );

  /** Free text (descriptions, keywords): may be empty, at most the text limit. */
  const plainText = storableText.refine(
    (value) => withinBytes(value, limits.textBytes),
    `must be at most ${limits.textBytes} bytes of UTF-8`,
  );

  const metadata = jsonObjectSchema(limits);

  const idList = z.array(id).min(1).max(limits.batchItems);
  /** The body of every route that takes a list of ids. */
  const Ids = z.strictObject({ ids: idList }).openapi("Ids");

  return { id, text, plainText, metadata, idList, Ids };
}

/**
 * Free-form JSON objects (metadata, graph properties, cache params, tenant settings): bounded in
 * bytes, nesting and keys, and refused rather than changed when JSON could not bring them back
 * as sent: a number beyond a double (`1e400` parses to Infinity, which JSON writes as null), a
 * NUL or a lone surrogate (PostgreSQL refuses them). The object is passed on as parsed, not
 * rebuilt, so every key round-trips, `__proto__` included (zod's records drop that one).
 */
export function jsonObjectSchema(limits: JsonLimits) {
  return z.custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    "must be a JSON object",
  ).superRefine((value, ctx) => {
    const issue = shapeIssue(value, limits);
    if (issue) ctx.addIssue({ code: "custom", message: issue, input: value });
  }).openapi({ type: "object", additionalProperties: {}, example: { lang: "en" } });
}

type JsonLimits = Pick<Limits, "metadataBytes" | "jsonDepth" | "jsonKeys">;

/**
 * What is wrong with a free-form object, walked without recursion (so a deep one cannot exhaust
 * the stack) and in the order that stops soonest: structure first, since serializing an object
 * too deep or too wide is what must not be attempted.
 */
function shapeIssue(value: object, limits: JsonLimits): string | null {
  const pending: [item: unknown, depth: number][] = [[value, 1]];
  let keys = 0;
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item === "number" && !Number.isFinite(item)) {
      return "must not contain numbers beyond the range of a double (such as 1e400)";
    }
    if (typeof item !== "object" || item === null) continue;
    if (depth > limits.jsonDepth) return `must be nested at most ${limits.jsonDepth} levels deep`;
    const children = Array.isArray(item) ? item : Object.values(item);
    if (!Array.isArray(item)) keys += children.length;
    if (keys > limits.jsonKeys) {
      return `must have at most ${limits.jsonKeys} keys, nested ones included`;
    }
    for (const child of children) pending.push([child, depth + 1]);
  }
  const serialized = JSON.stringify(value);
  if (!withinBytes(serialized, limits.metadataBytes)) {
    return `must be at most ${limits.metadataBytes} bytes as JSON`;
  }
  if (!storableJson(serialized)) {
    return "must not contain NUL characters or lone surrogates";
  }
  return null;
}

/** Whether PostgreSQL can store this JSON text: no escaped NUL, no lone surrogate. */
export function storableJson(serialized: string): boolean {
  return !serialized.includes("\\u0000") && !ESCAPED_SURROGATE.test(serialized);
}

/** Non-negative 32-bit integers (positions, token counts). */
export const count32 = z.number().int().min(0).max(2_147_483_647);

/**
 * An item that is `schema` or null (a miss in an aligned batch answer). Written as a union so the
 * document says `anyOf: [$ref, null]`: zod's `.nullable()` on a named schema comes out as
 * `allOf` with `type: [object, null]`, which forbids the null it means to allow.
 */
export function nullableItem<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}
