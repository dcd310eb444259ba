/**
 * The statements paths 2 and 3 send: LightRAG's PostgreSQL storage (lightrag/kg/postgres_impl.py,
 * SQL_TEMPLATES `upsert_doc_full` and `upsert_chunk`) on pgrag's tables, one row per statement,
 * keyed by (workspace, id) and overwriting the row's fields. Its columns map one to one:
 * workspace → tenant_id, full_doc_id → document_id, chunk_order_index → chunk_index,
 * content_vector → embedding, update_time → updated_at. The document statement also writes
 * file_path and chunks_count, so that every path stores the same columns. These stand for
 * LightRAG, not for pgrag: pgrag's own write is path 1, through its API and
 * `pgrag.upsert_documents`. Values always travel as parameters.
 */
import type postgres from "postgres";
import { type ChunkRow, type DocumentRow, pgvectorText } from "./rows.ts";

/** Anything that runs tagged queries: the pool, a reserved connection or a transaction. */
type Sql = postgres.Sql | postgres.ReservedSql | postgres.TransactionSql;

export function upsertDocument(sql: Sql, tenantId: string, row: DocumentRow) {
  return sql`
    insert into pgrag.documents (id, content, tenant_id, file_path, chunks_count)
    values (${row.id}, ${row.content}, ${tenantId}, ${row.filePath}, ${row.chunksCount})
    on conflict (tenant_id, id) do update set
      content = excluded.content,
      updated_at = now(),
      file_path = excluded.file_path,
      chunks_count = excluded.chunks_count`;
}

export function upsertChunk(sql: Sql, tenantId: string, row: ChunkRow) {
  return sql`
    insert into pgrag.chunks
      (tenant_id, id, tokens, chunk_index, document_id, content, embedding, file_path)
    values (${tenantId}, ${row.id}, ${row.tokens}, ${row.chunkIndex}, ${row.documentId},
            ${row.content}, ${pgvectorText(row.embedding)}, ${row.filePath})
    on conflict (tenant_id, id) do update set
      tokens = excluded.tokens,
      chunk_index = excluded.chunk_index,
      document_id = excluded.document_id,
      content = excluded.content,
      embedding = excluded.embedding,
      file_path = excluded.file_path,
      updated_at = now()`;
}
