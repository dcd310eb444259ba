/**
 * Path 2, the anchor's historic path (LightRAG's old loop): one INSERT ... ON CONFLICT per row,
 * each its own autocommitted statement, awaited before the next is sent. Every row costs a full
 * round trip and a commit (a WAL flush), which is what the latency cells expose.
 */
import { upsertChunk, upsertDocument } from "../lightrag-statements.ts";
import type { IngestPath } from "./path.ts";
import { type IngestRows, warmupRows } from "../rows.ts";
import { openWriterConnection } from "../writer-connection.ts";

export const perRowInsertPath: IngestPath = {
  id: "2",
  label: "2 per-row INSERT",
  description: "one autocommitted INSERT … ON CONFLICT per row, awaited one after the other",
  async open(target) {
    const sql = await openWriterConnection(target.databaseUrl);
    const write = async (rows: IngestRows) => {
      for (const row of rows.documents) await upsertDocument(sql, target.tenantId, row);
      for (const row of rows.chunks) await upsertChunk(sql, target.tenantId, row);
    };
    await write(warmupRows(target.warmupPrefix, target.embeddingDim));
    return {
      write,
      close: () => sql.end({ timeout: 5 }),
    };
  },
};
