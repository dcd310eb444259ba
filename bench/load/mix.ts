/**
 * The request mix. Every connection repeats the same cycle of five requests, so each level's
 * mix is exactly 80% search and 20% ingest whatever its concurrency (autocannon's `requests`
 * sequence): a hybrid search with an embedding, a keyword search, an ingest, a hybrid search, a
 * keyword search. Bodies are made before the load starts and only picked (and, for an ingest,
 * given a fresh document id) per request, so the load generator spends its CPU on sending.
 */
import { BASE_PATH } from "../../shared/app.ts";
import { embeddingBase64 } from "../harness/pgrag-server.ts";
import { syntheticDocuments } from "../ingest/synthetic-chunks.ts";

export const MIX_CYCLE = ["hybrid", "keyword", "ingest", "hybrid", "keyword"] as const;

export type RequestKind = (typeof MIX_CYCLE)[number];

export const SEARCH_PATH = `${BASE_PATH}/search`;
export const INGEST_PATH = `${BASE_PATH}/documents`;

/** What autocannon takes for one request of its sequence, and which kind of the mix it is. */
export interface SequencedRequest {
  readonly kind: RequestKind;
  readonly method: "POST";
  readonly path: string;
  readonly setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
}

export interface MixShape {
  readonly dimension: number;
  readonly topK: number;
  /** Distinct bodies of each kind, cycled through. */
  readonly variants: number;
  readonly chunksPerIngest: number;
}

/** The ingested documents' ids start with this; the preloaded corpus's do not. */
export const INGEST_ID_PREFIX = "load-";

const SEARCH_SEED = 7_001;
const INGEST_SEED = 7_002;
const QUERY_WORDS = 3;

/** The cycle as autocannon requests; ingest ids are numbered across every run of the mix. */
export function mixRequests(shape: MixShape): SequencedRequest[] {
  const searches = searchBodies(shape);
  const documents = ingestDocuments(shape);
  let search = 0;
  let ingest = 0;
  return MIX_CYCLE.map((kind) => {
    if (kind === "ingest") {
      return {
        kind,
        method: "POST",
        path: INGEST_PATH,
        setupRequest: (request) => {
          const number = ingest++;
          const id = JSON.stringify(`${INGEST_ID_PREFIX}${number}`);
          const document = documents[number % documents.length];
          return { ...request, body: `{"documents":[{"id":${id},${document.slice(1)}]}` };
        },
      };
    }
    const bodies = searches[kind];
    return {
      kind,
      method: "POST",
      path: SEARCH_PATH,
      setupRequest: (request) => ({ ...request, body: bodies[search++ % bodies.length] }),
    };
  });
}

/**
 * Queries of a few words taken from generated text (the corpus's vocabulary, so the keyword arm
 * ranks many chunks) and random unit embeddings (so the HNSW scan walks the graph).
 */
function searchBodies(shape: MixShape): Record<"hybrid" | "keyword", string[]> {
  const hybrid: string[] = [];
  const keyword: string[] = [];
  for (
    const document of syntheticDocuments({
      documents: shape.variants,
      chunksPerDocument: 1,
      dimension: shape.dimension,
      seed: SEARCH_SEED,
    })
  ) {
    const [chunk] = document.chunks;
    const query = queryWords(chunk.content, document.number);
    hybrid.push(JSON.stringify({
      query,
      embedding: embeddingBase64(chunk.embedding),
      mode: "hybrid",
      top_k: shape.topK,
    }));
    keyword.push(JSON.stringify({ query, mode: "keyword", top_k: shape.topK }));
  }
  return { hybrid, keyword };
}

/** Words of five letters or more, a different few for each variant. */
function queryWords(text: string, variant: number): string {
  const words = text.toLowerCase().match(/[a-z]{5,}/g) ?? [];
  const start = variant % Math.max(1, words.length - QUERY_WORDS);
  return words.slice(start, start + QUERY_WORDS).join(" ");
}

/** Each a document's JSON without its id: `{"content":…,"chunks":[…]}`. */
function ingestDocuments(shape: MixShape): string[] {
  const documents: string[] = [];
  for (
    const document of syntheticDocuments({
      documents: shape.variants,
      chunksPerDocument: shape.chunksPerIngest,
      dimension: shape.dimension,
      seed: INGEST_SEED,
    })
  ) {
    documents.push(JSON.stringify({
      content: document.content,
      chunks: document.chunks.map((chunk) => ({
        content: chunk.content,
        chunk_index: chunk.index,
        tokens: chunk.tokens,
        embedding: embeddingBase64(chunk.embedding),
      })),
    }));
  }
  return documents;
}
