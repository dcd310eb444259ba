/**
 * Path 4, the bulk-load ceiling: COPY ... FROM STDIN in text format, one COPY for the documents
 * and one for the chunks, streamed as they are formatted. No upsert semantics (a duplicate id
 * fails the whole COPY), which is why it is a reference point rather than an ingest API.
 */
import {
  chunkCopyLine,
  copyChunks,
  copyDocuments,
  documentCopyLine,
} from "../baseline-statements.ts";
import { copyIn, lazyLines } from "../../harness/copy-stream.ts";
import type { IngestPath } from "../path.ts";
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
          copyDocuments,
          lazyLines(rows.documents, (r) => documentCopyLine(tenantId, r)),
        );
        await copyIn(sql, copyChunks, lazyLines(rows.chunks, (r) => chunkCopyLine(tenantId, r)));
      },
      close: () => sql.end({ timeout: 5 }),
    };
  },
};
