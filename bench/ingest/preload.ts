/**
 * Fills the tenant with the chunks it already holds before any path runs (50,000 by default),
 * in documents of their own, so every path writes into a table and indexes of realistic size.
 * Not timed. Written the way pgrag writes (harness/write-documents.ts), so the rows the paths
 * meet are the rows pgrag would have stored, and generated lazily, so only one batch's vectors
 * are in memory at a time; the caller drops the vector index first and builds it afterwards,
 * which is much faster than inserting into it row by row.
 */
import type postgres from "postgres";
import { vectorLiteral } from "../../shared/vector-text.ts";
import { type TenantDocument, writeDocuments } from "../harness/write-documents.ts";
import { ingestRows } from "./rows.ts";
import { type SyntheticDocument, syntheticDocuments } from "./synthetic-chunks.ts";

export const PRELOAD_PREFIX = "preload-";

export interface PreloadShape {
  chunks: number;
  chunksPerDocument: number;
  dimension: number;
  seed: number;
}

export async function preload(
  sql: postgres.Sql,
  tenantId: string,
  shape: PreloadShape,
): Promise<void> {
  const documents = syntheticDocuments({
    documents: Math.ceil(shape.chunks / shape.chunksPerDocument),
    chunksPerDocument: shape.chunksPerDocument,
    dimension: shape.dimension,
    seed: shape.seed,
  });
  await writeDocuments(sql, inputs(tenantId, documents));
}

/** The documents as `POST /documents` would send them, with pgvector-text embeddings. */
function* inputs(
  tenantId: string,
  documents: Iterable<SyntheticDocument>,
): Generator<TenantDocument> {
  for (const document of documents) {
    const rows = ingestRows(PRELOAD_PREFIX, [document]);
    const [row] = rows.documents;
    const chunks = rows.chunks.map((chunk) => ({
      id: chunk.id,
      content: chunk.content,
      chunk_index: chunk.chunkIndex,
      tokens: chunk.tokens,
      embedding: vectorLiteral(chunk.embedding),
    }));
    yield {
      tenantId,
      document: { id: row.id, content: row.content, file_path: row.filePath, chunks },
    };
  }
}
