import type { EmbeddingProvider, Embeddings } from "./provider.ts";

/** One provider call's record in the usage ledger, as `pgrag.record_usage` takes it. */
export interface EmbeddingUsage {
  model_name: string;
  provider: string;
  input_tokens: number;
  output_tokens: 0;
  input_cost: number;
  output_cost: 0;
  operation: "embedding";
  metadata: { texts: number; calls: number; purpose: "query" | "chunks" };
}

/** What embedding `texts` cost, for the ledger: tokens as the provider counted them. */
export function embeddingUsage(
  provider: EmbeddingProvider,
  made: Embeddings,
  usdPerMillionTokens: number,
  purpose: EmbeddingUsage["metadata"]["purpose"],
): EmbeddingUsage {
  return {
    model_name: provider.model,
    provider: provider.name,
    input_tokens: made.tokens,
    output_tokens: 0,
    input_cost: (made.tokens * usdPerMillionTokens) / 1_000_000,
    output_cost: 0,
    operation: "embedding",
    metadata: { texts: made.vectors.length, calls: made.calls, purpose },
  };
}
