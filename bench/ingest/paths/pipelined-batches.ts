/**
 * Path 3, the anchor's current path (asyncpg executemany): batches of at most 200 rows, each a
 * transaction whose per-row INSERT ... ON CONFLICT statements are sent without waiting for one
 * another. postgres.js pipelines the queries a transaction issues together, so a batch costs a
 * few round trips (BEGIN, the batch, COMMIT) and one commit, but the server still runs one
 * statement per row. It only pipelines prepared statements into a socket with room, hence the
 * warm-up write and ../writer-connection.ts's large write buffer.
 */
import type postgres from "postgres";
import { upsertChunk, upsertDocument } from "../lightrag-statements.ts";
import type { IngestPath } from "./path.ts";
import { type IngestRows, warmupRows } from "../rows.ts";
import { openWriterConnection } from "../writer-connection.ts";

const BATCH_ROWS = 200;

export const pipelinedBatchesPath: IngestPath = {
  id: "3",
  label: "3 pipelined batches",
  description: `≤${BATCH_ROWS}-row transactions of pipelined per-row INSERT … ON CONFLICT`,
  async open(target) {
    const sql = await openWriterConnection(target.databaseUrl);
    const inBatches = async <T>(
      rows: readonly T[],
      statement: (tx: postgres.TransactionSql, row: T) => postgres.PendingQuery<postgres.Row[]>,
    ) => {
      for (let start = 0; start < rows.length; start += BATCH_ROWS) {
        const batch = rows.slice(start, start + BATCH_ROWS);
        await sql.begin((tx) => Promise.all(batch.map((row) => statement(tx, row))));
      }
    };
    const write = async (rows: IngestRows) => {
      await inBatches(rows.documents, (tx, row) => upsertDocument(tx, target.tenantId, row));
      await inBatches(rows.chunks, (tx, row) => upsertChunk(tx, target.tenantId, row));
    };
    await write(warmupRows(target.warmupPrefix, target.embeddingDim));
    return {
      write,
      close: () => sql.end({ timeout: 5 }),
    };
  },
};
