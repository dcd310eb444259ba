/**
 * The ways a query is answered: pgrag's `hybrid_search` in each of its modes, and baselines in
 * plain SQL over the same table, so a change to the function is judged against fixed points.
 * Every one runs inside a transaction already switched to the API role and the tenant, as a
 * request would be, and returns document ids best first.
 */
import type postgres from "postgres";
import { REFERENCE_BM25_SQL } from "../harness/reference-bm25.ts";

/** BEIR's recall cut-off: deeper than any metric looks. */
export const MATCH_COUNT = 100;

export const RETRIEVER_IDS = [
  "keyword",
  "vector",
  "hybrid",
  "baseline-and",
  "baseline-or",
  "baseline-exact-vector",
  "baseline-bare-hnsw",
  "baseline-bm25-unpruned",
] as const;
export type RetrieverId = typeof RETRIEVER_IDS[number];

export interface PreparedQuery {
  readonly text: string;
  /** pgvector text of the query's embedding, computed before any clock starts. */
  readonly embedding: string;
}

export interface Ranked {
  readonly documentIds: readonly string[];
  /** False when the scores did not come in descending order (the function's contract). */
  readonly sorted: boolean;
}

export interface Retriever {
  readonly id: RetrieverId;
  readonly description: string;
  readonly usesSearchFunction: boolean;
  /** The `k` best documents. */
  search(tx: postgres.TransactionSql, query: PreparedQuery, k: number): Promise<Ranked>;
}

/** The function's tuning arguments; an absent one is left to the function's default. */
export interface SearchParameters {
  readonly rrfK?: number;
  readonly fullTextWeight?: number;
  readonly semanticWeight?: number;
  readonly efSearch?: number;
}

export function retrievers(parameters: SearchParameters): Record<RetrieverId, Retriever> {
  const viaFunction = (mode: RetrieverId, description: string): Retriever => ({
    id: mode,
    description,
    usesSearchFunction: true,
    search: (tx, query, k) => hybridSearch(tx, query, mode, parameters, k),
  });
  const baseline = (
    id: RetrieverId,
    description: string,
    search: (
      tx: postgres.TransactionSql,
      query: PreparedQuery,
      k: number,
    ) => Promise<{ id: string }[]>,
  ): Retriever => ({
    id,
    description,
    usesSearchFunction: false,
    // Baselines sort in SQL, so their order holds by construction.
    search: async (tx, query, k) => ({
      documentIds: (await search(tx, query, k)).map((row) => row.id),
      sorted: true,
    }),
  });

  return {
    keyword: viaFunction("keyword", "`pgrag.hybrid_search`, mode 'keyword'"),
    vector: viaFunction("vector", "`pgrag.hybrid_search`, mode 'vector'"),
    hybrid: viaFunction("hybrid", "`pgrag.hybrid_search`, mode 'hybrid'"),
    "baseline-and": baseline(
      "baseline-and",
      "seed design: `plainto_tsquery('english', q)` (every word required) ranked by " +
        "`ts_rank_cd`",
      (tx, query, k) =>
        tx`
          select c.document_id as id
            from pgrag.chunks c, plainto_tsquery('english', ${query.text}) as q
           where c.tenant_id = pgrag.current_tenant_id() and c.content_tsv @@ q
           order by ts_rank_cd(c.content_tsv, q) desc, c.id
           limit ${k}`,
    ),
    "baseline-or": baseline(
      "baseline-or",
      "the same lexemes OR-ed (any word matches) ranked by `ts_rank_cd`",
      // plainto_tsquery's text quotes every lexeme, so ' & ' occurs only between lexemes.
      (tx, query, k) =>
        tx`
          select c.document_id as id
            from pgrag.chunks c,
                 lateral (select replace(plainto_tsquery('english', ${query.text})::text,
                                         ' & ', ' | ')::tsquery as q) any_word
           where c.tenant_id = pgrag.current_tenant_id() and c.content_tsv @@ any_word.q
           order by ts_rank_cd(c.content_tsv, any_word.q) desc, c.id
           limit ${k}`,
    ),
    "baseline-exact-vector": baseline(
      "baseline-exact-vector",
      "exact cosine over every embedding (index off): what `vector` would find without HNSW's " +
        "approximation",
      async (tx, query, k) => {
        await tx`select set_config('enable_indexscan', 'off', true)`;
        return tx`
          select c.document_id as id
            from pgrag.chunks c
           where c.tenant_id = pgrag.current_tenant_id() and c.embedding is not null
           order by c.embedding <=> ${query.embedding}::vector, c.id
           limit ${k}`;
      },
    ),
    "baseline-bare-hnsw": baseline(
      "baseline-bare-hnsw",
      "the HNSW index alone (ef_search 40, iterative scan, the planner kept from the exact " +
        "scan it prices lower), without pgrag: the floor every mode's latency is compared with",
      async (tx, query, k) => {
        await tx`
          select set_config('hnsw.ef_search', '40', true),
                 set_config('hnsw.iterative_scan', 'relaxed_order', true),
                 set_config('enable_seqscan', 'off', true),
                 set_config('enable_bitmapscan', 'off', true)`;
        return tx`
          select c.document_id as id
            from pgrag.chunks c
           where c.tenant_id = pgrag.current_tenant_id()
           order by c.embedding <=> ${query.embedding}::vector
           limit ${k}`;
      },
    ),
    "baseline-bm25-unpruned": baseline(
      "baseline-bm25-unpruned",
      "pgrag's BM25 computed without pruning (bench/harness/reference-bm25.ts): keyword must " +
        "rank alike",
      (tx, query, k) =>
        tx.unsafe(
          `select (select c.document_id from pgrag.chunks c
                    where c.tenant_id = pgrag.current_tenant_id() and c.id = r.id) as id
             from (${REFERENCE_BM25_SQL}) r`,
          [query.text, null, k],
        ) as unknown as Promise<{ id: string }[]>,
    ),
  };
}

async function hybridSearch(
  tx: postgres.TransactionSql,
  query: PreparedQuery,
  mode: RetrieverId,
  parameters: SearchParameters,
  k: number,
): Promise<Ranked> {
  // A keyword search sends no embedding, as an API client would not (the function would
  // otherwise compute each row's similarity). Only the tuning arguments given are passed, so
  // the defaults measured are the function's own.
  const given = [
    ["full_text_weight", "double precision", parameters.fullTextWeight],
    ["semantic_weight", "double precision", parameters.semanticWeight],
    ["rrf_k", "integer", parameters.rrfK],
    ["ef_search", "integer", parameters.efSearch],
  ] as const;
  let extra = tx``;
  for (const [name, type, value] of given) {
    if (value !== undefined) {
      extra = tx`${extra}, ${tx.unsafe(name)} => ${value}::${tx.unsafe(type)}`;
    }
  }
  const rows = await tx<{ document_id: string; score: number }[]>`
    select r.document_id, r.score
      from pgrag.hybrid_search(
             query_text => ${query.text},
             query_embedding => ${mode === "keyword" ? null : query.embedding}::vector,
             match_count => ${k},
             mode => ${mode}
             ${extra}
           ) with ordinality as r
     order by r.ordinality`;
  return {
    documentIds: rows.map((row) => row.document_id),
    sorted: rows.every((row, i) => i === 0 || row.score <= rows[i - 1].score),
  };
}

export async function hasSearchFunction(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ present: boolean }[]>`
    select exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname = 'pgrag' and p.proname = 'hybrid_search') as present`;
  return row.present;
}
