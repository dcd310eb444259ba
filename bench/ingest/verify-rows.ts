/**
 * Checks, after each timed path, that it really stored what it was given: the number of
 * documents and chunks, and the first chunk's text and embedding. A path that silently wrote
 * less (or garbled vectors, e.g. a wrong byte order in base64) would otherwise look fast.
 */
import type postgres from "postgres";
import { type IngestRows, pgvectorText } from "./rows.ts";

export async function verifyRows(
  sql: postgres.Sql,
  tenantId: string,
  prefix: string,
  rows: IngestRows,
): Promise<void> {
  const dataPrefix = `${prefix}doc-`;
  const [counts] = await sql<{ documents: number; chunks: number }[]>`
    select
      (select count(*)::int from pgrag.documents
        where tenant_id = ${tenantId} and starts_with(id, ${dataPrefix})) as documents,
      (select count(*)::int from pgrag.chunks
        where tenant_id = ${tenantId} and starts_with(id, ${dataPrefix})) as chunks`;
  if (counts.documents !== rows.documents.length || counts.chunks !== rows.chunks.length) {
    throw new Error(
      `${prefix}: stored ${counts.documents} documents and ${counts.chunks} chunks, ` +
        `expected ${rows.documents.length} and ${rows.chunks.length}`,
    );
  }
  const first = rows.chunks[0];
  const [same] = await sql<{ content: boolean; embedding: boolean }[]>`
    select content = ${first.content} as content,
           embedding = ${pgvectorText(first.embedding)}::vector as embedding
      from pgrag.chunks where tenant_id = ${tenantId} and id = ${first.id}`;
  if (!same?.content || !same.embedding) {
    throw new Error(`${prefix}: chunk ${first.id} was not stored as sent`);
  }
}
