/**
 * The ways the search benchmark asks for the top k chunks of a tenant. Every method returns the
 * chunk numbers it found, best first, so results of the seed's table (UUIDs) and of pgrag's
 * (text ids) compare directly. Every SQL method runs on the same connection, without prepared
 * statements, as pgrag's server does: a prepared statement would soon get a generic plan that
 * ignores which tenant it is for.
 */
import type postgres from "postgres";
import { embeddingBase64, type PgragServer, postToApi } from "../harness/pgrag-server.ts";
import { inTenant } from "../harness/tenant-transaction.ts";
import { seed003Search } from "./seed003.ts";
import type { SearchQuery } from "./queries.ts";

export interface SearchCase {
  readonly tenantId: string;
  /** A reader key of the tenant, for the HTTP API. */
  readonly apiKey: string;
  /** pgrag's filter, e.g. {"metadata": {"bucket": 7}}; null for none. */
  readonly filter: { metadata: Record<string, number> } | null;
  readonly topK: number;
}

export type PgragMode = "hybrid" | "vector" | "keyword";

export interface SearchMethod {
  readonly id: string;
  readonly label: string;
  /** Whether ef_search changes what it does (so it is measured again at a higher one). */
  readonly usesEfSearch: boolean;
  /** The seed's function takes no filter: it is not run on filtered cases. */
  readonly supportsFilter: boolean;
  /** Caps the queries per case for methods too slow for all of them. */
  readonly maxQueries?: number;
  search(c: SearchCase, query: SearchQuery, efSearch: number): Promise<number[]>;
}

const SEARCH_ROUTE = "/search";

/** `c000042` or `00000000-0000-4000-8000-000000000042` → 42 */
export function chunkNumber(id: string): number {
  return Number(id.slice(-12).replace(/^c/, ""));
}

/** POST /rag/v1/search with the embedding as base64 of its float32 bytes. */
export function pgragHttp(server: PgragServer, mode: PgragMode): SearchMethod {
  return {
    id: `pgrag-http-${mode}`,
    label: `pgrag ${mode}, HTTP`,
    usesEfSearch: mode !== "keyword",
    supportsFilter: true,
    async search(c, query, efSearch) {
      const { text } = await postToApi(server, SEARCH_ROUTE, c.apiKey, {
        query: query.text,
        embedding: embeddingBase64(query.embedding),
        mode,
        top_k: c.topK,
        ef_search: efSearch,
        ...(c.filter ? { filter: c.filter } : {}),
      });
      const results = (JSON.parse(text) as { results: { chunk_id: string }[] }).results;
      return results.map((row) => chunkNumber(row.chunk_id));
    },
  };
}

/** pgrag.hybrid_search in the tenant's context, in one transaction, as the API runs it. */
export function pgragSql(sql: postgres.Sql, mode: PgragMode): SearchMethod {
  return {
    id: `pgrag-sql-${mode}`,
    label: mode === "keyword" ? "pgrag keyword (keyword probe), SQL" : `pgrag ${mode}, SQL`,
    usesEfSearch: mode !== "keyword",
    supportsFilter: true,
    async search(c, query, efSearch) {
      const rows = await inTenant(sql, c.tenantId, (tx) =>
        tx<{ chunk_id: string }[]>`
          select chunk_id from pgrag.hybrid_search(
            ${query.text}, ${query.vector}::vector, ${c.topK}, ${tx.json(c.filter ?? {})},
            ${mode}, ef_search => ${efSearch}::integer)`);
      return rows.map((row) => chunkNumber(row.chunk_id));
    },
  };
}

export function seed003(sql: postgres.Sql, maxQueries: number): SearchMethod {
  return {
    id: "seed003",
    label: "seed 003 hybrid_search",
    usesEfSearch: false,
    supportsFilter: false,
    maxQueries,
    async search(c, query) {
      const ids = await seed003Search(sql, c.tenantId, query.text, query.vector, c.topK);
      return ids.map(chunkNumber);
    },
  };
}

/**
 * The nearest chunks of the tenant (passing the filter) straight from pgrag.chunks as the
 * superuser: no row level security, no keyword arm, no fusion. `exact` orders by the distance
 * plus 0, which no index can serve, so PostgreSQL computes every distance: the ground truth.
 * Otherwise the HNSW index answers with the same ef_search and iterative scan as pgrag's
 * semantic arm uses (without iterative scan a filtered walk stops after ef_search candidates,
 * most of them other tenants', and returns fewer than k rows): its lower bound.
 */
export function nearest(sql: postgres.Sql, exact: boolean): SearchMethod {
  return {
    id: exact ? "exact" : "bare-hnsw",
    label: exact ? "exact scan (ground truth)" : "bare HNSW",
    usesEfSearch: !exact,
    supportsFilter: true,
    async search(c, query, efSearch) {
      const filter = c.filter?.metadata ?? null;
      const rows = await sql.begin(async (tx) => {
        await tx`
          select set_config('hnsw.ef_search', ${String(efSearch)}, true),
                 set_config('hnsw.iterative_scan', 'relaxed_order', true)`;
        const distance = tx`embedding <=> ${query.vector}::vector`;
        return await tx<{ id: string }[]>`
          select id from pgrag.chunks
           where tenant_id = ${c.tenantId}
             ${filter === null ? tx`` : tx`and metadata @> ${tx.json(filter)}`}
           order by ${exact ? tx`(${distance}) + 0` : distance}
           limit ${c.topK}`;
      });
      return rows.map((row) => chunkNumber(row.id));
    },
  };
}
