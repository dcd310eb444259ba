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

  const metadata = z.record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      const serialized = JSON.stringify(value);
      if (!withinBytes(serialized, limits.metadataBytes)) {
        ctx.addIssue({
          code: "custom",
          message: `must be at most ${limits.metadataBytes} bytes as JSON`,
          input: value,
        });
      } else if (serialized.includes("\\u0000") || ESCAPED_SURROGATE.test(serialized)) {
        ctx.addIssue({
          code: "custom",
          message: "must not contain NUL characters or lone surrogates",
          input: value,
        });
      }
    })
    .openapi({ type: "object", example: { lang: "en" } });

  const idList = z.array(id).min(1).max(limits.batchItems);
  /** The body of every route that takes a list of ids. */
  const Ids = z.strictObject({ ids: idList }).openapi("Ids");

  return { id, text, plainText, metadata, idList, Ids };
}

/** Non-negative 32-bit integers (positions, token counts). */
export const count32 = z.number().int().min(0).max(2_147_483_647);
