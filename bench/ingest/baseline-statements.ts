/**
 * The SQL the baseline paths (2-4) send, written once so that every baseline writes the same
 * columns. Modelled on LightRAG's PostgreSQL storage: an upsert per row keyed by (workspace, id)
 * that overwrites the row's fields. Values always travel as parameters or in the COPY stream.
 */
import type postgres from "postgres";
import { copyLine } from "../harness/copy-stream.ts";
import { type ChunkRow, type DocumentRow, pgvectorText } from "./rows.ts";

/** Anything that runs tagged queries: the pool, a reserved connection or a transaction. */
type Sql = postgres.Sql | postgres.ReservedSql | postgres.TransactionSql;

export function upsertDocument(sql: Sql, tenantId: string, row: DocumentRow) {
  return sql`
    insert into pgrag.documents (tenant_id, id, content, file_path, chunks_count)
    values (${tenantId}, ${row.id}, ${row.content}, ${row.filePath}, ${row.chunksCount})
    on conflict (tenant_id, id) do update set
      content = excluded.content,
      file_path = excluded.file_path,
      chunks_count = excluded.chunks_count,
      updated_at = now()`;
}

export function upsertChunk(sql: Sql, tenantId: string, row: ChunkRow) {
  return sql`
    insert into pgrag.chunks
      (tenant_id, id, document_id, chunk_index, content, tokens, file_path, embedding)
    values (${tenantId}, ${row.id}, ${row.documentId}, ${row.chunkIndex}, ${row.content},
            ${row.tokens}, ${row.filePath}, ${pgvectorText(row.embedding)})
    on conflict (tenant_id, id) do update set
      document_id = excluded.document_id,
      chunk_index = excluded.chunk_index,
      content = excluded.content,
      tokens = excluded.tokens,
      file_path = excluded.file_path,
      embedding = excluded.embedding,
      updated_at = now()`;
}

export function copyDocuments(sql: Sql) {
  return sql`copy pgrag.documents (tenant_id, id, content, file_path, chunks_count) from stdin`;
}

export function copyChunks(sql: Sql) {
  return sql`
    copy pgrag.chunks
      (tenant_id, id, document_id, chunk_index, content, tokens, file_path, embedding)
    from stdin`;
}

/** A line for copyDocuments, in its column order. */
export function documentCopyLine(tenantId: string, row: DocumentRow): string {
  return copyLine([tenantId, row.id, row.content, row.filePath, row.chunksCount]);
}

/** A line for copyChunks, in its column order. */
export function chunkCopyLine(tenantId: string, row: ChunkRow): string {
  return copyLine([
    tenantId,
    row.id,
    row.documentId,
    row.chunkIndex,
    row.content,
    row.tokens,
    row.filePath,
    pgvectorText(row.embedding),
  ]);
}
