/**
 * Fills the tenant with the chunks it already holds before any path runs (50,000 by default),
 * in documents of their own, so every path writes into a table and indexes of realistic size.
 * Not timed. Loaded with COPY in groups, so only one group's vectors are in memory at a time;
 * the caller drops the vector index first and builds it afterwards, which is much faster than
 * inserting into it row by row.
 */
import type postgres from "postgres";
import {
  chunkCopyLine,
  copyChunks,
  copyDocuments,
  documentCopyLine,
} from "./baseline-statements.ts";
import { copyIn, lazyLines } from "../harness/copy-stream.ts";
import { ingestRows } from "./rows.ts";
import { type SyntheticDocument, syntheticDocuments } from "./synthetic-chunks.ts";

export const PRELOAD_PREFIX = "preload-";
const DOCUMENTS_PER_GROUP = 500;

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
  let group: SyntheticDocument[] = [];
  const flush = async () => {
    const rows = ingestRows(PRELOAD_PREFIX, group);
    await copyIn(
      sql,
      copyDocuments,
      lazyLines(rows.documents, (r) => documentCopyLine(tenantId, r)),
    );
    await copyIn(sql, copyChunks, lazyLines(rows.chunks, (r) => chunkCopyLine(tenantId, r)));
    group = [];
  };
  for (const document of documents) {
    group.push(document);
    if (group.length === DOCUMENTS_PER_GROUP) await flush();
  }
  if (group.length > 0) await flush();
}
