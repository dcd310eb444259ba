import { encodeBase64Url } from "../encoding.ts";
import { vectorLiteral } from "../vector-text.ts";
import type { EmbeddingProvider } from "./provider.ts";
import { type EmbeddingUsage, embeddingUsage } from "./usage.ts";

/** A query's embedding as a search needs it: pgvector's text, and what making it cost. */
export interface QueryEmbedding {
  literal: string;
  /** Null when it came from the cache: nothing was spent. */
  usage: EmbeddingUsage | null;
}

/**
 * Embeds search queries with the provider, remembering the last `capacity` of them per caller
 * (the credential, so one tenant's queries never answer another's) by model and text hash: a
 * repeated query costs no provider call and no tokens. Kept in the process rather than in the
 * database because a lookup there would add a round trip to every search, hit or miss.
 */
export class QueryEmbeddings {
  readonly #cache = new Map<string, string>();

  constructor(
    readonly provider: EmbeddingProvider,
    private readonly capacity: number,
    private readonly usdPerMillionTokens: number,
  ) {}

  async embed(caller: string, text: string, signal?: AbortSignal): Promise<QueryEmbedding> {
    const key = await cacheKey(caller, this.provider.model, text);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      // Re-inserted, it becomes the newest: the Map's order is the eviction order.
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return { literal: cached, usage: null };
    }
    const made = await this.provider.embed([text], { signal });
    const literal = vectorLiteral(made.vectors[0]);
    if (this.capacity > 0) {
      if (this.#cache.size >= this.capacity) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(key, literal);
    }
    return {
      literal,
      usage: embeddingUsage(this.provider, made, this.usdPerMillionTokens, "query"),
    };
  }
}

async function cacheKey(caller: string, model: string, text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `${caller}\u0000${model}\u0000${encodeBase64Url(new Uint8Array(digest))}`;
}
