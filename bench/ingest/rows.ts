/**
 * The rows every ingest path writes, derived from the synthetic documents. Each path and cell
 * gets its own id prefix, so no path's upsert can ever turn into an update of a row another
 * path wrote (every path measures inserts), and verification finds exactly the path's rows.
 */
import { vectorLiteral } from "../../shared/vector-text.ts";
import type { SyntheticDocument } from "./synthetic-chunks.ts";

export interface DocumentRow {
  readonly id: string;
  readonly content: string;
  readonly filePath: string;
  readonly chunksCount: number;
}

export interface ChunkRow {
  readonly id: string;
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly content: string;
  readonly tokens: number;
  readonly filePath: string;
  readonly embedding: Float32Array;
}

export interface IngestRows {
  readonly documents: readonly DocumentRow[];
  readonly chunks: readonly ChunkRow[];
}

/** `<prefix>doc-00042`: zero-padded so ids sort like the documents. */
export function documentId(prefix: string, document: SyntheticDocument): string {
  return `${prefix}doc-${String(document.number).padStart(5, "0")}`;
}

/** `<document id>-c3` */
export function chunkId(documentId: string, chunkIndex: number): string {
  return `${documentId}-c${chunkIndex}`;
}

export function filePath(document: SyntheticDocument): string {
  return `bench/doc-${String(document.number).padStart(5, "0")}.txt`;
}

/** Flattens documents into the rows of both tables; cheap (no vector formatting), not timed. */
export function ingestRows(prefix: string, documents: readonly SyntheticDocument[]): IngestRows {
  const documentRows: DocumentRow[] = [];
  const chunkRows: ChunkRow[] = [];
  for (const document of documents) {
    const id = documentId(prefix, document);
    const path = filePath(document);
    documentRows.push({
      id,
      content: document.content,
      filePath: path,
      chunksCount: document.chunks.length,
    });
    for (const chunk of document.chunks) {
      chunkRows.push({
        id: chunkId(id, chunk.index),
        documentId: id,
        chunkIndex: chunk.index,
        content: chunk.content,
        tokens: chunk.tokens,
        filePath: path,
        embedding: chunk.embedding,
      });
    }
  }
  return { documents: documentRows, chunks: chunkRows };
}

/**
 * pgvector's text input, `[x,y,...]`, formatted as the pgrag server formats the vectors it
 * decodes, so that the SQL paths and the HTTP path make the database parse the same text.
 */
export function pgvectorText(embedding: Float32Array): string {
  return vectorLiteral(embedding);
}

/**
 * One document with one chunk, for a path to write before the clock starts: it opens
 * connections and prepares statements (postgres.js, like asyncpg, prepares each statement on
 * first use; an unprepared statement in a pipelined transaction makes postgres.js send the rest
 * of that transaction one query per round trip). Its ids start with `prefix`, apart from the
 * measured rows.
 */
export function warmupRows(prefix: string, dimension: number): IngestRows {
  const id = `${prefix}doc`;
  const content = "A short document written before the clock starts.";
  const path = "bench/warmup.txt";
  return {
    documents: [{ id, content, filePath: path, chunksCount: 1 }],
    chunks: [{
      id: chunkId(id, 0),
      documentId: id,
      chunkIndex: 0,
      content,
      tokens: 10,
      filePath: path,
      embedding: new Float32Array(dimension).fill(1 / Math.sqrt(dimension)),
    }],
  };
}
