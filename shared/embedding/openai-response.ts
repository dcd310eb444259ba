import { decodeFloat32Base64 } from "../encoding.ts";
import { EmbeddingRefused, EmbeddingUnavailable } from "./provider.ts";

/** What one successful call to `/embeddings` gave: vectors in input order, and its token count. */
export interface EmbeddingsAnswer {
  vectors: Float32Array[];
  /** `usage.prompt_tokens`, when the server reported it. */
  promptTokens?: number;
}

/**
 * Reads the body of an OpenAI-compatible `/embeddings` answer to `inputCount` inputs. Items are
 * placed by their `index`, since the API does not promise to list them in order. Each embedding
 * may be base64 of little-endian float32 (what was asked) or a JSON array (what some servers send
 * whatever was asked). A vector of the wrong length is a refusal: the configuration, not the
 * moment, is wrong. An answer of the wrong shape means the server is not what it claims to be.
 */
export function readEmbeddingsAnswer(
  body: unknown,
  inputCount: number,
  dimensions: number,
): EmbeddingsAnswer {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== inputCount) {
    throw malformed(`expected ${inputCount} embeddings in "data"`);
  }
  const vectors = new Array<Float32Array | undefined>(inputCount);
  data.forEach((item, position) => {
    const index = typeof item?.index === "number" ? item.index : position;
    if (!Number.isInteger(index) || index < 0 || index >= inputCount || vectors[index]) {
      throw malformed(`item ${position} has an invalid or repeated index`);
    }
    const vector = toFloat32(item.embedding);
    if (!vector) throw malformed(`item ${position} has no embedding`);
    if (vector.length !== dimensions) throw wrongDimensions(vector.length, dimensions);
    vectors[index] = vector;
  });
  const promptTokens = (body as { usage?: { prompt_tokens?: unknown } }).usage?.prompt_tokens;
  return {
    vectors: vectors as Float32Array[],
    promptTokens: typeof promptTokens === "number" && promptTokens >= 0 ? promptTokens : undefined,
  };
}

function toFloat32(embedding: unknown): Float32Array | undefined {
  if (typeof embedding === "string") return decodeFloat32Base64(embedding) ?? undefined;
  if (Array.isArray(embedding) && embedding.every((value) => typeof value === "number")) {
    return Float32Array.from(embedding);
  }
  return undefined;
}

function malformed(detail: string): EmbeddingUnavailable {
  return new EmbeddingUnavailable(
    `the embedding endpoint's answer is not an embeddings list: ${detail}`,
  );
}

function wrongDimensions(received: number, expected: number): EmbeddingRefused {
  return new EmbeddingRefused(
    `the embedding model returned ${received} values per vector but the database stores ` +
      `${expected} (PGRAG_EMBEDDING_DIM): choose a model of ${expected} dimensions, set ` +
      `PGRAG_EMBEDDING_DIMENSIONS=${expected} for a model that can shorten its vectors, or use a ` +
      `fresh database with PGRAG_EMBEDDING_DIM=${received}`,
  );
}

const DETAIL_LIMIT = 300;

/**
 * The human part of an error body, for a refusal's message: OpenAI and Azure send
 * `{ error: { message } }`, text-embeddings-inference `{ error: "..." }`, vLLM `{ message }`,
 * FastAPI-style servers `{ detail }`; anything else is shown as text, cut short.
 */
export function errorDetail(text: string): string {
  let detail = text.trim();
  try {
    const body = JSON.parse(text);
    const candidate = body?.error?.message ?? body?.error ?? body?.message ?? body?.detail;
    if (typeof candidate === "string") detail = candidate;
  } catch {
    // Not JSON: the text itself is the detail.
  }
  return detail.length > DETAIL_LIMIT ? `${detail.slice(0, DETAIL_LIMIT)}…` : detail;
}
