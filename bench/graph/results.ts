/**
 * The graph benchmark's results and the numbers derived from them, shared by the Markdown report
 * and graph.json: per side p50 and p95 (a side that hit the statement timeout has a lower bound
 * instead), AGE ÷ pgrag ratios of the same run, and the upsert totals.
 */
import type { GraphData } from "./data.ts";
import type { GraphDatabase } from "./database.ts";
import type { ReadCase } from "./cases.ts";
import type { SideResult, UpsertTimings } from "./measure.ts";
import type { GraphOptions } from "./options.ts";
import type { UpsertSet } from "./upserts.ts";
import type { MachineFacts } from "../harness/machine-facts.ts";
import { percentile, sum } from "../harness/statistics.ts";

export const READ_TARGET = 10;
export const UPSERT_TARGET = 20;

export interface Counts {
  readonly pgrag_entities: number;
  readonly pgrag_relations: number;
  readonly age_vertices: number;
  readonly age_edges: number;
}

export interface CaseResult {
  readonly case: ReadCase;
  /** pgrag, AGE as LightRAG, tuned AGE. */
  readonly results: readonly SideResult[];
}

export interface GraphReportInput {
  readonly facts: MachineFacts;
  readonly settings: string;
  readonly options: GraphOptions;
  readonly data: GraphData;
  readonly database: GraphDatabase;
  readonly ageVersion: string;
  /** p50 of LightRAG's two per-call session statements alone. */
  readonly preludeMs: number;
  readonly loaded: Counts;
  /** pgrag and AGE as LightRAG's copy, then tuned AGE's copy (its pgrag tables unchanged). */
  readonly afterUpserts: readonly [Counts, Counts];
  readonly cases: readonly CaseResult[];
  readonly upserts: UpsertSet;
  readonly upsertTimings: UpsertTimings;
}

/** Upsert totals in seconds: AGE's extrapolated from its mean when it ran a sample. */
export function upsertSummary({ upserts, upsertTimings: t }: GraphReportInput) {
  const count = upserts.relations.length;
  const pgragSeconds = sum(t.pgragBatchMs) / 1000;
  return {
    count,
    pgragSeconds,
    age: t.age.map((side) => {
      const measured = side.relationMs.length;
      const seconds = (sum(side.relationMs) / measured) * count / 1000;
      return {
        label: side.label,
        measured,
        extrapolated: measured < count,
        seconds,
        ratio: seconds / pgragSeconds,
        callsPerRelation: side.storageCalls / measured,
        endpointsCreated: side.endpointsCreated,
      };
    }),
  };
}

/** p50, or the timed-out call's time (a lower bound of what completing would take). */
export function sideP50(r: SideResult): number {
  return r.timedOut ? Math.max(...r.latenciesMs) : percentile(r.latenciesMs, 50);
}

export function sideP95(r: SideResult): number {
  return r.timedOut ? Math.max(...r.latenciesMs) : percentile(r.latenciesMs, 95);
}

/** The same results as data, for graph.json. */
export function graphJson(input: GraphReportInput) {
  const side = (r: SideResult) => ({
    label: r.side.label,
    samples: r.latenciesMs.length,
    timed_out: r.timedOut,
    p50_ms: sideP50(r),
    p95_ms: sideP95(r),
    rows: r.outcomes.map((o) => o.rows),
  });
  return {
    facts: input.facts,
    settings: input.settings,
    age_version: input.ageVersion,
    options: input.options,
    load: input.database.load,
    prelude_p50_ms: input.preludeMs,
    counts: {
      loaded: input.loaded,
      after_upserts: input.afterUpserts[0],
      after_upserts_tuned: input.afterUpserts[1],
    },
    reads: input.cases.map(({ case: c, results }) => ({
      id: c.id,
      label: c.label,
      age_calls: c.ageCalls,
      sides: results.map(side),
      ratio: sideP50(results[1]) / sideP50(results[0]),
      ratio_tuned: sideP50(results[2]) / sideP50(results[0]),
      target: READ_TARGET,
    })),
    upserts: { ...upsertSummary(input), target: UPSERT_TARGET },
  };
}
