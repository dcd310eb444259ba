import { z } from "@hono/zod-openapi";
import { decodeFloat32Base64 } from "../encoding.ts";
import { vectorLiteral } from "../vector-text.ts";

/** Above this many dimensions embeddings are stored as halfvec (see the chunks migration). */
const HALFVEC_ABOVE = 2000;
const FLOAT32_MAX = 3.4028234663852886e38;
const HALF_MAX = 65504;
// pgvector sums squares in single precision for cosine distance: a sum that overflows or
// underflows there makes every distance NaN, so such vectors are refused like a zero vector.
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * An embedding as the API accepts it: a JSON array of numbers, or base64 of little-endian
 * float32 values (OpenAI's `encoding_format: "base64"`, a quarter of the bytes and no number
 * parsing). Either way it must have exactly `dimension` finite values that the stored type can
 * hold, and a norm whose cosine is defined. The output is pgvector's text form, ready for SQL.
 */
export function embeddingSchema(dimension: number) {
  const maxMagnitude = dimension > HALFVEC_ABOVE ? HALF_MAX : FLOAT32_MAX;
  return z.union([z.array(z.number()), z.string()])
    .transform((value, ctx) => {
      const values = typeof value === "string" ? decodeFloat32Base64(value) : value;
      const problem = values === null
        ? "must be a JSON array of numbers or base64 of little-endian float32 values"
        : describeProblem(values, dimension, maxMagnitude);
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem, input: value });
        return z.NEVER;
      }
      return vectorLiteral(values as ArrayLike<number>);
    })
    .openapi({
      description: `${dimension} numbers, as a JSON array or as base64 of float32 little-endian`,
      example: [0.0123, -0.0456, 0.0789],
    });
}

/**
 * `embedding` on a write: `auto` queues the chunks written without an embedding for the server's
 * provider, `none` stores them as they are. Without it, `auto` where a provider is configured.
 */
export function embeddingModeSchema(providerConfigured: boolean) {
  return z.enum(["auto", "none"]).optional()
    .refine((mode) => mode !== "auto" || providerConfigured, {
      message: "this server has no embedding provider (PGRAG_EMBEDDING_PROVIDER) to embed with",
    })
    .describe(
      "`auto`: chunks stored without an embedding are embedded by the server's provider, in " +
        "the background; `none`: they stay without. Default: `auto` when the server has a " +
        "provider, else `none`.",
    );
}

function describeProblem(
  values: ArrayLike<number>,
  dimension: number,
  maxMagnitude: number,
): string | null {
  if (values.length !== dimension) {
    return `must have ${dimension} dimensions, not ${values.length}`;
  }
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value) || Math.abs(value) > maxMagnitude) {
      return `value ${i} must be a finite number of magnitude at most ${maxMagnitude}`;
    }
    sumOfSquares += value * value;
  }
  if (sumOfSquares === 0) return "must not be the zero vector (its cosine is undefined)";
  if (sumOfSquares < FLOAT32_MIN_NORMAL || sumOfSquares > FLOAT32_MAX) {
    return "its norm is too small or too large for single precision (its cosine would be NaN)";
  }
  return null;
}
