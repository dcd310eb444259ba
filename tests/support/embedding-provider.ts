import type { Config } from "../../shared/config.ts";
import { createOpenAiProvider } from "../../shared/embedding/openai.ts";
import type { EmbeddingProvider } from "../../shared/embedding/provider.ts";
import { TEST_EMBEDDING_DIM } from "./database.ts";
import { type EmbeddingStandIn, startEmbeddingStandIn } from "./embedding-stand-in.ts";

/**
 * The openai provider pointed at a stand-in of its own, at the test database's dimension: what
 * `openTestApi(env, { embeddingProvider })` takes for an API with a provider.
 */
export function standInProvider(
  options: { model?: string; maxInputsPerCall?: number; maxAttempts?: number } = {},
): {
  standIn: EmbeddingStandIn;
  embeddingProvider: (config: Config) => EmbeddingProvider;
  env: Record<string, string>;
} {
  const standIn = startEmbeddingStandIn({ dimensions: TEST_EMBEDDING_DIM });
  return {
    standIn,
    env: {
      PGRAG_EMBEDDING_PROVIDER: "openai",
      PGRAG_EMBEDDING_URL: standIn.url,
      PGRAG_EMBEDDING_MODEL: options.model ?? "stand-in-small",
    },
    embeddingProvider: (config) =>
      createOpenAiProvider({
        baseUrl: standIn.url,
        model: config.embedding.model ?? options.model ?? "stand-in-small",
        dimensions: config.embeddingDim,
        maxInputsPerCall: options.maxInputsPerCall,
        maxAttempts: options.maxAttempts ?? 2,
        backoffMs: 5,
        timeoutMs: 2_000,
      }),
  };
}
