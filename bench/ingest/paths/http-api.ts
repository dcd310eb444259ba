/**
 * Path 1, pgrag itself: POST /rag/v1/documents with 50 documents of 10 chunks (500 chunks) per
 * request, one request at a time, authenticated with a writer API key. Embeddings travel as
 * base64 of their little-endian float32 bytes (4 bytes a value instead of ~20 as decimal text);
 * the server decodes them and writes each batch with one set-based statement per table.
 */
import type { IngestPath } from "./path.ts";
import { type ChunkRow, type DocumentRow, type IngestRows, warmupRows } from "../rows.ts";
import { embeddingBase64, postToApi, startPgragServer } from "../../harness/pgrag-server.ts";

const CHUNKS_PER_REQUEST = 500;
const DOCUMENTS_ROUTE = "/documents";

interface DocumentWithChunks {
  readonly document: DocumentRow;
  readonly chunks: readonly ChunkRow[];
}

export const httpApiPath = httpPath("1", 1);
export const httpApiTwoInFlightPath = httpPath("1p", 2);

/**
 * The HTTP path with `inFlight` requests outstanding at a time. With two, the server validates
 * and decodes one batch while PostgreSQL writes the other, which is how a client that uploads in
 * parallel uses pgrag; each request is still one transaction.
 */
function httpPath(id: "1" | "1p", inFlight: number): IngestPath {
  return {
    id,
    label: inFlight === 1 ? "1 pgrag HTTP" : `1p pgrag HTTP ×${inFlight}`,
    description: `POST /rag/v1${DOCUMENTS_ROUTE}, ${CHUNKS_PER_REQUEST} chunks per request, ` +
      (inFlight === 1 ? "sequential" : `${inFlight} requests in flight`),
    async open(target) {
      const server = startPgragServer(target.databaseUrl, target.embeddingDim);
      let databaseMs = 0;

      const post = async (batch: readonly DocumentWithChunks[]) => {
        const { text, headers } = await postToApi(server, DOCUMENTS_ROUTE, target.apiKey, {
          documents: batch.map(requestDocument),
        });
        assertOutcome(batch, text);
        databaseMs += serverTimingDb(headers.get("Server-Timing"));
      };

      try {
        // Opens the app's database connection and runs the route once, so the first timed
        // request pays no connection setup or first-call compilation.
        const health = await fetch(server.origin + "/rag/v1/health");
        await health.body?.cancel();
        await post(groupByDocument(warmupRows(target.warmupPrefix, target.embeddingDim)));
      } catch (error) {
        await server.close();
        throw error;
      }

      return {
        async write(rows) {
          databaseMs = 0;
          const pending = [...batches(groupByDocument(rows))];
          const worker = async () => {
            for (let batch = pending.shift(); batch; batch = pending.shift()) await post(batch);
          };
          await Promise.all(Array.from({ length: inFlight }, worker));
        },
        note: () => `server waited ${(databaseMs / 1000).toFixed(1)} s on the database`,
        close: () => server.close(),
      };
    },
  };
}

/** Pairs each document with its chunks (ingestRows lists them in document order). */
function groupByDocument(rows: IngestRows): DocumentWithChunks[] {
  let next = 0;
  return rows.documents.map((document) => {
    const chunks = rows.chunks.slice(next, next + document.chunksCount);
    next += document.chunksCount;
    return { document, chunks };
  });
}

/** Whole documents, up to CHUNKS_PER_REQUEST chunks a batch. */
function* batches(documents: readonly DocumentWithChunks[]): Generator<DocumentWithChunks[]> {
  let batch: DocumentWithChunks[] = [];
  let chunks = 0;
  for (const item of documents) {
    if (batch.length > 0 && chunks + item.chunks.length > CHUNKS_PER_REQUEST) {
      yield batch;
      batch = [];
      chunks = 0;
    }
    batch.push(item);
    chunks += item.chunks.length;
  }
  if (batch.length > 0) yield batch;
}

function requestDocument({ document, chunks }: DocumentWithChunks) {
  return {
    id: document.id,
    content: document.content,
    file_path: document.filePath,
    chunks: chunks.map((chunk) => ({
      id: chunk.id,
      content: chunk.content,
      chunk_index: chunk.chunkIndex,
      tokens: chunk.tokens,
      embedding: embeddingBase64(chunk.embedding),
    })),
  };
}

/** Fails unless the server reports every document of the batch with all its chunks. */
function assertOutcome(batch: readonly DocumentWithChunks[], text: string): void {
  const body = JSON.parse(text) as { documents?: { id?: unknown; chunks_count?: unknown }[] };
  const outcome = body.documents ?? [];
  const ok = outcome.length === batch.length &&
    batch.every((item, i) =>
      outcome[i].id === item.document.id && outcome[i].chunks_count === item.chunks.length
    );
  if (!ok) throw new Error(`path 1: unexpected response to a batch of ${batch.length}: ${text}`);
}

/** The `db` metric of a Server-Timing header (ms), which pgrag sets on every response. */
function serverTimingDb(header: string | null): number {
  const match = header?.match(/(?:^|,)\s*db;dur=([\d.]+)/);
  return match ? Number(match[1]) : 0;
}
