/**
 * Times the methods of one case on the same queries, taking turns query by query
 * (harness/take-turns.ts) so noise lands on all of them alike. Warm-up queries run first and are
 * not counted: they load the tenant's pages and index into memory.
 */
import { takeTurns } from "../harness/take-turns.ts";
import type { SearchCase, SearchMethod } from "./methods.ts";
import type { SearchQuery } from "./queries.ts";

export interface MethodResult {
  readonly method: SearchMethod;
  readonly efSearch: number;
  readonly latenciesMs: number[];
  /** Per query: the share of the exact top k it found (1 when the exact answer is empty). */
  readonly recalls: number[];
  readonly rows: number[];
  /** Per query: how many rows the exact scan returned, what a complete answer holds. */
  readonly expectedRows: number[];
}

export interface CaseQueries {
  readonly warmup: readonly SearchQuery[];
  readonly measured: readonly SearchQuery[];
  /** The exact scan's answer to each measured query. */
  readonly truth: readonly (readonly number[])[];
}

export async function measureCase(
  c: SearchCase,
  queries: CaseQueries,
  methods: readonly SearchMethod[],
  efSearch: number,
): Promise<MethodResult[]> {
  const runnable = methods.filter((method) => c.filter === null || method.supportsFilter);
  for (const method of runnable) {
    const warmups = queries.warmup.slice(0, method.maxQueries ? 1 : undefined);
    for (const query of warmups) await method.search(c, query, efSearch);
  }
  const results: MethodResult[] = runnable.map((method) => ({
    method,
    efSearch,
    latenciesMs: [],
    recalls: [],
    rows: [],
    expectedRows: [],
  }));
  await takeTurns(results, queries.measured.length, async (result, i) => {
    if (i >= (result.method.maxQueries ?? Infinity)) return;
    const started = performance.now();
    const found = await result.method.search(c, queries.measured[i], efSearch);
    result.latenciesMs.push(performance.now() - started);
    result.recalls.push(recall(found, queries.truth[i]));
    result.rows.push(found.length);
    result.expectedRows.push(queries.truth[i].length);
  });
  return results;
}

/** |found ∩ truth| / |truth|: recall@k against the exact top k. */
export function recall(found: readonly number[], truth: readonly number[]): number {
  if (truth.length === 0) return 1;
  const wanted = new Set(truth);
  return found.filter((id) => wanted.has(id)).length / truth.length;
}
