import type { Context } from "hono";
import type { Statement } from "../db/database.ts";
import type { EmbeddingServices } from "../embedding/services.ts";
import { EmbeddingRefused, EmbeddingUnavailable } from "../embedding/provider.ts";
import { Problem } from "../http/problem.ts";
import type { TenantEnv } from "../http/tenant-access.ts";

/** A query embedded by the provider, with the usage record its search commits with it. */
export interface MadeQueryEmbedding {
  literal: string;
  /** Records the provider's tokens in the usage ledger, in the search's own transaction. */
  before: Statement[];
}

/** Seconds a client is told to wait when the provider gave no Retry-After of its own. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * Embeds a search's query with the server's provider, within the request's deadline. When the
 * provider does not answer, the search is refused with 503 `embedding_unavailable`, or, when the
 * request allows it (`fallback: "keyword"`), runs by keywords alone ("fallback").
 */
export async function queryEmbedding(
  c: Context<TenantEnv>,
  embedding: EmbeddingServices,
  query: string,
  fallback: "keyword" | undefined,
): Promise<MadeQueryEmbedding | "fallback"> {
  try {
    const made = await embedding.queries.embed(
      c.var.tenant.principal,
      query,
      c.var.deadline.signal,
    );
    return {
      literal: made.literal,
      before: made.usage
        ? [{
          text: "select pgrag.record_usage($1, $2::text::json)",
          params: ["pgrag:embedding", JSON.stringify(made.usage)],
        }]
        : [],
    };
  } catch (error) {
    if (!(error instanceof EmbeddingUnavailable) && !(error instanceof EmbeddingRefused)) {
      throw error;
    }
    if (fallback === "keyword") return "fallback";
    throw new Problem(
      "embedding_unavailable",
      `the query could not be embedded: ${error.message}`,
      {
        retryAfterSeconds: error instanceof EmbeddingUnavailable
          ? Math.ceil(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS)
          : undefined,
      },
    );
  }
}
