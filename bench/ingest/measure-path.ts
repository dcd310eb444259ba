/**
 * Runs one path in one cell on a fresh copy of the template: opens its writer (untimed), times
 * the write, then checks that what was stored is what was sent.
 */
import type postgres from "postgres";
import type { Cell } from "./cells.ts";
import type { IngestPath, PathId } from "./paths/path.ts";
import { ingestRows } from "./rows.ts";
import type { SyntheticDocument } from "./synthetic-chunks.ts";
import { verifyRows } from "./verify-rows.ts";

export interface PathResult {
  readonly pathId: PathId;
  readonly cell: Cell;
  /** Chunk rows written; documents are written and timed too but not counted. */
  readonly chunks: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly note?: string;
}

export interface MeasureContext {
  /** Superuser connection to the run database, for verification. */
  readonly sql: postgres.Sql;
  readonly tenantId: string;
  readonly apiKey: string;
  readonly embeddingDim: number;
  /** The URL a writer uses in this cell: direct or through the latency proxy. */
  readonly writerUrl: string;
}

export async function measurePath(
  path: IngestPath,
  cell: Cell,
  documents: readonly SyntheticDocument[],
  context: MeasureContext,
): Promise<PathResult> {
  // Ids name the path and cell, so a stored row always says who wrote it.
  const prefix = `p${path.id}-${cell.id}-`;
  const rows = ingestRows(prefix, documents);
  const writer = await path.open({
    databaseUrl: context.writerUrl,
    tenantId: context.tenantId,
    apiKey: context.apiKey,
    embeddingDim: context.embeddingDim,
    warmupPrefix: `${prefix}warmup-`,
  });
  let seconds: number;
  let note: string | undefined;
  try {
    const started = performance.now();
    await writer.write(rows);
    seconds = (performance.now() - started) / 1000;
    note = writer.note?.();
  } finally {
    await writer.close();
  }
  await verifyRows(context.sql, context.tenantId, prefix, rows);
  const chunks = rows.chunks.length;
  return { pathId: path.id, cell, chunks, seconds, rowsPerSecond: chunks / seconds, note };
}
