/**
 * Times the methods of one case on the same queries. Methods take turns query by query, each
 * query starting with the next method in the rotation, so a burst of noise on this shared
 * 2-core machine lands on all of them alike and the ratios between them stay fair. Warm-up
 * queries run first and are not counted: they load the tenant's pages and index into memory.
 */
import type { SearchCase, SearchMethod } from "./methods.ts";
import type { SearchQuery } from "./queries.ts";

export interface MethodResult {
  readonly method: SearchMethod;
  readonly efSearch: number;
  readonly latenciesMs: readonly number[];
  /** Per query: the share of the exact top k it found (1 when the exact answer is empty). */
  readonly recalls: readonly number[];
  readonly rows: readonly number[];
  /** Per query: how many rows the exact scan returned, what a complete answer holds. */
  readonly expectedRows: readonly number[];
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
  const results = runnable.map((method) => ({
    method,
    efSearch,
    latenciesMs: [] as number[],
    recalls: [] as number[],
    rows: [] as number[],
    expectedRows: [] as number[],
  }));
  for (const [i, query] of queries.measured.entries()) {
    for (let turn = 0; turn < results.length; turn++) {
      const result = results[(i + turn) % results.length];
      if (i >= (result.method.maxQueries ?? Infinity)) continue;
      const started = performance.now();
      const found = await result.method.search(c, query, efSearch);
      result.latenciesMs.push(performance.now() - started);
      result.recalls.push(recall(found, queries.truth[i]));
      result.rows.push(found.length);
      result.expectedRows.push(queries.truth[i].length);
    }
  }
  return results;
}

/** |found ∩ truth| / |truth|: recall@k against the exact top k. */
export function recall(found: readonly number[], truth: readonly number[]): number {
  if (truth.length === 0) return 1;
  const wanted = new Set(truth);
  return found.filter((id) => wanted.has(id)).length / truth.length;
}

/** The nearest-rank percentile: the smallest value with at least p% of values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
