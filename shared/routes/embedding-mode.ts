import type { Statement } from "../db/database.ts";
import type { EmbeddingServices } from "../embedding/services.ts";

/**
 * What a write does about chunks it stores without an embedding: `auto` has the chunk triggers
 * queue them (sql/logic/35_embedding_queue.sql reads the transaction-local setting this sets).
 * Returns the statements the write runs first, and what to do once it committed.
 */
export function embeddingMode(
  requested: "auto" | "none" | undefined,
  embedding: EmbeddingServices | null,
): { before: Statement[]; afterCommit: () => void } {
  const auto = (requested ?? (embedding ? "auto" : "none")) === "auto" && embedding !== null;
  if (!auto) return { before: [], afterCommit: () => {} };
  return {
    before: [{ text: "select set_config('pgrag.embedding', 'auto', true)" }],
    afterCommit: () => embedding.wake(),
  };
}
