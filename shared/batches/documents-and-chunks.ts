import { Problem } from "../http/problem.ts";
import { chunkByTokens, type ChunkingOptions, cl100k, type Tokenizer } from "../text/chunking.ts";
import { derivedId } from "../text/ids.ts";

/** A chunk row: its embedding goes to `pgrag.store_chunks` apart, the rest as JSON. */
export interface ChunkRow {
  id: string;
  document_id: string;
  chunk_index: number;
  content: string;
  tokens: number | null;
  /** pgvector text, or null for a chunk without an embedding yet. */
  embedding: string | null;
  file_path: string | null;
  metadata: Record<string, unknown> | null;
}

/** A document row as `pgrag.upsert_documents` reads it from JSON. */
export interface DocumentRow {
  id: string;
  title: string | null;
  content: string;
  source: string | null;
  file_path: string | null;
  metadata: Record<string, unknown> | null;
}

interface ChunkInput {
  id?: string;
  content: string;
  chunk_index?: number;
  tokens?: number;
  embedding?: string;
  metadata?: Record<string, unknown>;
}

interface DocumentInput {
  id?: string;
  title?: string | null;
  content: string;
  source?: string | null;
  file_path?: string | null;
  metadata?: Record<string, unknown>;
  chunks?: ChunkInput[];
}

/**
 * Collects rows by id for one batch statement. A row may appear once: ids a client chose twice
 * are refused naming both places, while two chunks whose derived ids agree have the same
 * content and collapse into the later one (as re-sending that content would do).
 */
class RowsById<R extends { id: string }> {
  readonly #rows = new Map<string, { row: R; path: string; derived: boolean }>();

  add(row: R, path: string, derived: boolean): void {
    const earlier = this.#rows.get(row.id);
    if (earlier && !(derived && earlier.derived)) {
      throw new Problem("validation_failed", `id ${row.id} appears twice in the request`, {
        errors: [{ path, message: `repeats the id of ${earlier.path}` }],
      });
    }
    this.#rows.delete(row.id);
    this.#rows.set(row.id, { row, path, derived });
  }

  rows(): R[] {
    return [...this.#rows.values()].map((entry) => entry.row);
  }
}

/**
 * The rows of a `POST /documents` batch: ids derived where missing, and content chunked by
 * tokens for documents sent without chunks.
 */
export async function documentBatch(
  documents: readonly DocumentInput[],
  chunking: ChunkingOptions,
): Promise<{ documents: DocumentRow[]; chunks: ChunkRow[] }> {
  const tokenizer = documents.some((document) => !document.chunks)
    ? await deployedTokenizer()
    : undefined;
  const documentRows = new RowsById<DocumentRow>();
  const chunkRows = new RowsById<ChunkRow>();
  documents.forEach((document, i) => {
    const id = document.id ?? derivedId("doc", document.content);
    documentRows.add(
      {
        id,
        title: document.title ?? null,
        content: document.content,
        source: document.source ?? null,
        file_path: document.file_path ?? null,
        metadata: document.metadata ?? null,
      },
      `documents[${i}].id`,
      document.id === undefined,
    );
    const chunks: ChunkInput[] = document.chunks ??
      chunkByTokens(tokenizer!, document.content, chunking).map((chunk) => ({
        content: chunk.content,
        tokens: chunk.tokens,
        chunk_index: chunk.chunkIndex,
      }));
    chunks.forEach((chunk, k) => {
      chunkRows.add(
        chunkRow(chunk, id, k),
        `documents[${i}].chunks[${k}].id`,
        chunk.id === undefined,
      );
    });
  });
  return { documents: documentRows.rows(), chunks: chunkRows.rows() };
}

interface StandaloneChunkInput extends ChunkInput {
  document_id: string;
  chunk_index: number;
  file_path?: string | null;
}

/**
 * The rows of a `POST /chunks` batch, and the distinct documents they name with the path of the
 * first chunk naming each (so a missing document can be reported where it was named).
 */
export function chunkBatch(chunks: readonly StandaloneChunkInput[]): {
  chunks: ChunkRow[];
  documents: { id: string; path: string }[];
} {
  const rows = new RowsById<ChunkRow>();
  const documents = new Map<string, string>();
  chunks.forEach((chunk, i) => {
    rows.add(
      { ...chunkRow(chunk, chunk.document_id, i), file_path: chunk.file_path ?? null },
      `chunks[${i}].id`,
      chunk.id === undefined,
    );
    if (!documents.has(chunk.document_id)) {
      documents.set(chunk.document_id, `chunks[${i}].document_id`);
    }
  });
  return {
    chunks: rows.rows(),
    documents: [...documents].map(([id, path]) => ({ id, path })),
  };
}

function chunkRow(chunk: ChunkInput, documentId: string, position: number): ChunkRow {
  return {
    id: chunk.id ?? derivedId("chunk", chunk.content),
    document_id: documentId,
    chunk_index: chunk.chunk_index ?? position,
    content: chunk.content,
    tokens: chunk.tokens ?? null,
    embedding: chunk.embedding ?? null,
    file_path: null,
    metadata: chunk.metadata ?? null,
  };
}

/**
 * The parameters of the SQL functions that write rows with embeddings (`pgrag.store_chunks` and
 * its callers, `pgrag.upsert_entities`, `pgrag.upsert_relations`): the rows as JSON without their
 * embeddings, and the embeddings as one space-separated text aligned with them ('' for a row
 * without one, null when none has one). pgvector literals hold no spaces, so the database splits
 * them with string_to_array instead of parsing megabytes of JSON numbers. Only the rows' own
 * `embedding` field is taken apart: a metadata or properties key of that name stays in the JSON.
 */
export function embeddingsApart(
  rows: readonly { embedding?: string | null }[],
): [json: string, embeddings: string | null] {
  const embeddings = rows.map((row) => row.embedding ?? "");
  const json = JSON.stringify(rows.map(({ embedding: _, ...rest }) => rest));
  return [json, embeddings.some((text) => text !== "") ? embeddings.join(" ") : null];
}

/**
 * The parameters of `pgrag.set_chunk_embeddings`: the ids with their request paths as JSON, and
 * the embeddings aligned with them as one space-separated text. An id sent twice is refused.
 */
export function embeddingParameters(
  items: readonly { id: string; embedding: string }[],
): [json: string, embeddings: string] {
  const rows = new RowsById<{ id: string; path: string; embedding: string }>();
  items.forEach((item, i) => {
    const path = `items[${i}].id`;
    rows.add({ id: item.id, path, embedding: item.embedding }, path, false);
  });
  const unique = rows.rows();
  return [
    JSON.stringify(unique.map(({ id, path }) => ({ id, path }))),
    unique.map((row) => row.embedding).join(" "),
  ];
}

async function deployedTokenizer(): Promise<Tokenizer> {
  try {
    return await cl100k();
  } catch (error) {
    throw new Problem(
      "internal",
      `this deployment cannot chunk: its tokenizer table is missing (run \`deno task assets\` ` +
        `before deploying): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
