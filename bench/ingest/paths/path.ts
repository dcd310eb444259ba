/**
 * What every ingest path implements. Opening a writer (connecting, starting the HTTP server,
 * warming up) happens before the clock starts; only `write` is timed, from Float32Array
 * embeddings in memory to rows committed, so each path pays for turning vectors into its own
 * wire format (pgvector text, base64 JSON) just as a real writer would.
 */
import type { IngestRows } from "../rows.ts";

/** "1p" is pgrag's HTTP path with two requests in flight, as a client uploading in parallel. */
export type PathId = "1" | "1p" | "2" | "3" | "4";

export const PATH_IDS: readonly PathId[] = ["1", "1p", "2", "3", "4"];

export interface WriterTarget {
  /** PostgreSQL URL the writer connects to: direct, or through the latency proxy. */
  readonly databaseUrl: string;
  readonly tenantId: string;
  /** For path 1: a writer key of the tenant. */
  readonly apiKey: string;
  readonly embeddingDim: number;
  /** Ids of rows a writer writes to warm up must start with this (verification skips them). */
  readonly warmupPrefix: string;
}

export interface IngestWriter {
  /** Writes the documents, then their chunks; resolves when all are committed. */
  write(rows: IngestRows): Promise<void>;
  /** Anything worth printing about the last write (e.g. database time as the server saw it). */
  note?(): string | undefined;
  close(): Promise<void>;
}

export interface IngestPath {
  readonly id: PathId;
  /** Short column heading. */
  readonly label: string;
  /** One line saying what the path does, for the report. */
  readonly description: string;
  open(target: WriterTarget): Promise<IngestWriter>;
}
