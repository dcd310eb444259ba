/**
 * Writes documents with their chunks as pgrag writes them: the product's batch shaping
 * (shared/batches/documents-and-chunks.ts, what `POST /documents` runs) and its `pgrag.upsert_documents`, in
 * the tenant's context, a batch per call. Benchmarks load their data this way, so the rows they
 * measure are the rows pgrag would have stored, whatever the product's write path becomes.
 */
import type postgres from "postgres";
import { documentBatch, embeddingsApart } from "../../shared/batches/documents-and-chunks.ts";
import { DEFAULT_CHUNKING } from "../../shared/text/chunking.ts";
import { inTenant } from "./tenant-transaction.ts";

/** A document as `POST /documents` takes it, chunks and their pgvector-text embeddings given. */
export type DocumentInput = Parameters<typeof documentBatch>[0][number];

export interface TenantDocument {
  readonly tenantId: string;
  readonly document: DocumentInput;
}

/** The batch size of the ingest benchmark's HTTP path: about 5 MB of vectors a call. */
const CHUNKS_PER_CALL = 500;

/**
 * Writes the documents in calls of about CHUNKS_PER_CALL chunks, one tenant a call; they are
 * read lazily, so only one batch's vectors are in memory. With `embedding: "auto"` each call
 * asks for automatic embedding as `POST /documents` does by default when a provider is
 * configured, so chunks without an embedding are queued for the worker. Returns the chunks
 * written.
 */
export async function writeDocuments(
  sql: postgres.Sql,
  documents: Iterable<TenantDocument>,
  { embedding = "none" }: { embedding?: "auto" | "none" } = {},
): Promise<number> {
  let tenantId = "";
  let batch: DocumentInput[] = [];
  let chunks = 0;
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = await documentBatch(batch, DEFAULT_CHUNKING);
    const [chunkJson, embeddings] = embeddingsApart(rows.chunks);
    await inTenant(sql, tenantId, async (tx) => {
      if (embedding === "auto") await tx`select set_config('pgrag.embedding', 'auto', true)`;
      await tx`
        select pgrag.upsert_documents(${JSON.stringify(rows.documents)}::text::json,
                                      ${chunkJson}::text::json, ${embeddings}::text)`;
    });
    written += chunks;
    batch = [];
    chunks = 0;
  };
  for (const item of documents) {
    if (item.tenantId !== tenantId || chunks >= CHUNKS_PER_CALL) await flush();
    tenantId = item.tenantId;
    batch.push(item.document);
    chunks += item.document.chunks?.length ?? 0;
  }
  await flush();
  return written;
}
