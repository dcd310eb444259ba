/**
 * Runs every query through one retriever, one at a time on one connection, and scores the
 * rankings. Each query is its own transaction that first sets the API role and the tenant as
 * pgrag's database seam does (harness/tenant-transaction.ts); its latency is the whole
 * transaction seen from the client (begin, context, search, commit: four statements, pipelined
 * where postgres.js can). A query that fails is scored as an empty ranking and kept with its
 * message for the report.
 */
import type postgres from "postgres";
import type { Query } from "../harness/scifact-files.ts";
import { percentile } from "../harness/statistics.ts";
import { inTenant } from "../harness/tenant-transaction.ts";
import { meanScores, type QueryScores, scoreRanking } from "./metrics.ts";
import {
  MATCH_COUNT,
  type PreparedQuery,
  type Ranked,
  type Retriever,
  type RetrieverId,
} from "./retrievers.ts";

/** Untimed queries first, so planning and cold caches do not land in the percentiles. */
export const WARMUP_QUERIES = 5;
const SLOWEST_KEPT = 3;

export interface EvaluationQuery {
  readonly query: Query;
  readonly prepared: PreparedQuery;
  readonly relevant: ReadonlySet<string>;
}

export interface ModeResult {
  readonly id: RetrieverId;
  readonly description: string;
  readonly scores: QueryScores;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly failed: readonly { readonly query: Query; readonly message: string }[];
  /** Queries answered, without error, with no rows at all. */
  readonly empty: readonly Query[];
  /** Queries whose rows did not come best first. */
  readonly unsorted: readonly Query[];
  readonly slowest: readonly { readonly query: Query; readonly ms: number }[];
  /** p50 when asked for the top 10 only (speed modes; see latencyAt). */
  p50Top10Ms?: number;
  /** Each query's first ten document ids, in query order, to compare modes' rankings. */
  readonly top10: readonly (readonly string[])[];
}

export async function evaluate(
  sql: postgres.Sql,
  tenantId: string,
  retriever: Retriever,
  queries: readonly EvaluationQuery[],
): Promise<ModeResult> {
  const search = (prepared: PreparedQuery) =>
    inTenant(sql, tenantId, (tx) => retriever.search(tx, prepared, MATCH_COUNT));

  for (const { prepared } of queries.slice(0, WARMUP_QUERIES)) {
    await search(prepared).catch(() => {});
  }

  const scores: QueryScores[] = [];
  const timings: { query: Query; ms: number }[] = [];
  const failed: ModeResult["failed"][number][] = [];
  const empty: Query[] = [];
  const unsorted: Query[] = [];
  const top10: string[][] = [];
  for (const { query, prepared, relevant } of queries) {
    const started = performance.now();
    let ranked: Ranked = { documentIds: [], sorted: true };
    try {
      ranked = await search(prepared);
      if (ranked.documentIds.length === 0) empty.push(query);
      if (!ranked.sorted) unsorted.push(query);
    } catch (error) {
      failed.push({ query, message: error instanceof Error ? error.message : String(error) });
    }
    timings.push({ query, ms: performance.now() - started });
    top10.push(ranked.documentIds.slice(0, 10));
    // One chunk per document here, but a ranking must never count a document twice.
    scores.push(scoreRanking([...new Set(ranked.documentIds)], relevant));
  }

  const latencies = timings.map((timing) => timing.ms);
  return {
    id: retriever.id,
    description: retriever.description,
    scores: meanScores(scores),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    failed,
    empty,
    unsorted,
    slowest: [...timings].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST_KEPT),
    top10,
  };
}

/**
 * The p50 latency of the retriever asked for the top `k` only, as an API search is by default
 * (the metrics above need the top 100), after the same warm-up.
 */
export async function latencyAt(
  sql: postgres.Sql,
  tenantId: string,
  retriever: Retriever,
  queries: readonly EvaluationQuery[],
  k: number,
): Promise<number> {
  const search = (prepared: PreparedQuery) =>
    inTenant(sql, tenantId, (tx) => retriever.search(tx, prepared, k));
  for (const { prepared } of queries.slice(0, WARMUP_QUERIES)) {
    await search(prepared).catch(() => {});
  }
  const latencies: number[] = [];
  for (const { prepared } of queries) {
    const started = performance.now();
    await search(prepared).catch(() => {});
    latencies.push(performance.now() - started);
  }
  return percentile(latencies, 50);
}
