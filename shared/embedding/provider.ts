/**
 * Where embeddings come from when a client sends text alone: an OpenAI-compatible endpoint, the
 * Supabase Edge Runtime's built-in model, or a model that runs in this process. Chosen once, at
 * start, by PGRAG_EMBEDDING_PROVIDER (see shared/embedding/select.ts).
 */
export interface EmbeddingProvider {
  /** `openai`, `supabase` or `local`: recorded as the usage ledger's provider. */
  readonly name: string;
  /** The model's name as the usage ledger and the query cache key it. */
  readonly model: string;
  /** Values per vector; it must equal the database's embedding dimension. */
  readonly dimensions: number;
  /**
   * Embeds `texts` in order, one vector per text, splitting them into as many provider calls as
   * its limits need. Throws EmbeddingUnavailable when the provider cannot answer (after its own
   * retries), EmbeddingRefused when it refuses the input for good.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Embeddings>;
}

export interface EmbedOptions {
  /** Cancels the calls still running or waiting to retry. */
  signal?: AbortSignal;
}

export interface Embeddings {
  vectors: Float32Array[];
  /** Input tokens the provider counted (or the local tokenizer's count), for the usage ledger. */
  tokens: number;
  /** Provider calls made, retries included. */
  calls: number;
}

/** The provider could not be reached or kept failing; the work may succeed later. */
export class EmbeddingUnavailable extends Error {
  override readonly name = "EmbeddingUnavailable";
  constructor(
    message: string,
    /** Seconds the provider asked us to wait (Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The provider refused the input itself (400-class): retrying the same input cannot succeed. */
export class EmbeddingRefused extends Error {
  override readonly name = "EmbeddingRefused";
}
