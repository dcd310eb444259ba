import { type Config, ConfigError } from "../config.ts";
import { createOpenAiProvider } from "./openai.ts";
import type { EmbeddingProvider } from "./provider.ts";

/** Vector lengths of OpenAI's own models, so a mismatch is caught at start, not at first use. */
const OPENAI_MODEL_DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};
const DEFAULT_OPENAI_MODEL = "text-embedding-3-small";

/**
 * The provider PGRAG_EMBEDDING_PROVIDER names, or null for `none`. Its vectors must have the
 * database's dimension (PGRAG_EMBEDDING_DIM): a provider that cannot stops the server here, with
 * what to set, rather than failing every write later.
 */
export async function selectEmbeddingProvider(config: Config): Promise<EmbeddingProvider | null> {
  const settings = config.embedding;
  const dimension = config.embeddingDim;
  switch (settings.provider) {
    case "none":
      return null;
    case "openai": {
      if (!settings.url) {
        throw new ConfigError(
          "PGRAG_EMBEDDING_PROVIDER=openai needs PGRAG_EMBEDDING_URL, the API's base URL " +
            "(e.g. https://api.openai.com/v1 or http://localhost:11434/v1)",
        );
      }
      const model = settings.model ?? DEFAULT_OPENAI_MODEL;
      const native = settings.dimensions ?? OPENAI_MODEL_DIMENSIONS[model];
      if (native !== undefined && native !== dimension) {
        throw new ConfigError(
          `the embedding model ${model} makes ${native}-dimensional vectors but the database ` +
            `stores ${dimension}: set PGRAG_EMBEDDING_DIMENSIONS=${dimension} (models that can ` +
            `shorten their vectors) or use a database made with PGRAG_EMBEDDING_DIM=${native}`,
        );
      }
      return createOpenAiProvider({
        baseUrl: settings.url,
        apiKey: settings.apiKey,
        model,
        dimensions: dimension,
        sendDimensions: settings.dimensions !== undefined,
        maxInputsPerCall: settings.batchSize,
        maxTokensPerCall: settings.tokensPerCall,
        timeoutMs: settings.timeoutMs,
        maxAttempts: settings.attempts,
      });
    }
    case "supabase": {
      const { createSupabaseProvider } = await import("./supabase.ts");
      return checked(asConfigError(() => createSupabaseProvider()), dimension);
    }
    case "local": {
      const { createLocalProvider } = await importLocalProvider();
      return checked(
        asConfigError(() => createLocalProvider({ dimensions: dimension })),
        dimension,
      );
    }
  }
}

/** A provider that cannot be made here (no runtime, a dimension it cannot give) stops the start. */
function asConfigError(create: () => EmbeddingProvider): EmbeddingProvider {
  try {
    return create();
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

function checked(provider: EmbeddingProvider, dimension: number): EmbeddingProvider {
  if (provider.dimensions !== dimension) {
    throw new ConfigError(
      `the ${provider.name} embedding provider (${provider.model}) makes ` +
        `${provider.dimensions}-dimensional vectors but the database stores ${dimension}: ` +
        `use a database made with PGRAG_EMBEDDING_DIM=${provider.dimensions}`,
    );
  }
  return provider;
}

/**
 * The local model ships its weights in its package. Its specifier is computed, as the embedded
 * driver's is (shared/db/open.ts), so that bundlers of the deployed function leave it out.
 */
async function importLocalProvider(): Promise<typeof import("./local.ts")> {
  const specifier = new URL(["local", "ts"].join("."), import.meta.url).href;
  return await import(/* @vite-ignore */ specifier);
}
