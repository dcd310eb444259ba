/**
 * Path 4, the bulk-load ceiling: COPY ... FROM STDIN in text format, one COPY for the documents
 * and one for the chunks, streamed as they are formatted. No upsert semantics (a duplicate id
 * fails the whole COPY), which is why it is a reference point rather than an ingest API.
 */
import { copyIn, copyLine, lazyLines } from "../copy-stream.ts";
import type { IngestPath } from "./path.ts";
import { type ChunkRow, type DocumentRow, pgvectorText } from "../rows.ts";
import { openWriterConnection } from "../writer-connection.ts";

export const copyPath: IngestPath = {
  id: "4",
  label: "4 COPY",
  description: "COPY … FROM STDIN (text format), documents then chunks",
  async open(target) {
    const sql = await openWriterConnection(target.databaseUrl);
    return {
      async write(rows) {
        const tenantId = target.tenantId;
        await copyIn(
          sql,
          (connection) =>
            connection`
              copy pgrag.documents (tenant_id, id, content, file_path, chunks_count) from stdin`,
          lazyLines(rows.documents, (row) => documentLine(tenantId, row)),
        );
        await copyIn(
          sql,
          (connection) =>
            connection`
              copy pgrag.chunks
                (tenant_id, id, document_id, chunk_index, content, tokens, file_path, embedding)
              from stdin`,
          lazyLines(rows.chunks, (row) => chunkLine(tenantId, row)),
        );
      },
      close: () => sql.end({ timeout: 5 }),
    };
  },
};

function documentLine(tenantId: string, row: DocumentRow): string {
  return copyLine([tenantId, row.id, row.content, row.filePath, row.chunksCount]);
}

function chunkLine(tenantId: string, row: ChunkRow): string {
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
