/**
 * Times the sides of each operation on the same samples in the same run, taking turns sample by
 * sample (harness/take-turns.ts) so noise lands on all of them alike. Warm-up calls on the first
 * samples run first and are not counted: they load pages into memory.
 */
import { takeTurns } from "../harness/take-turns.ts";
import type { Relation } from "./data.ts";
import type { PgragGraph } from "./pgrag.ts";
import type { LightragAgeStorage } from "./age/storage.ts";
import { mergeRelation } from "./age/merge.ts";
import { UPSERT_BATCH } from "./options.ts";
import { TimedOut } from "./age/client.ts";

/** What a call returned, to check that the sides answer alike. */
export interface Outcome {
  /** Relations, labels, or a subgraph's nodes. */
  readonly rows: number;
  readonly edges?: number;
  readonly truncated?: boolean;
}

export interface Side {
  readonly label: string;
  /** Caps the measured samples of a side too slow for all of them. */
  readonly maxSamples?: number;
  call(sample: string): Promise<Outcome>;
}

export interface SideResult {
  readonly side: Side;
  readonly latenciesMs: number[];
  readonly outcomes: Outcome[];
  /** The samples measured, aligned with the latencies. */
  readonly samples: string[];
  /**
   * A call outlived the statement timeout: its time, a lower bound, is the side's last latency
   * and the side's other samples were skipped (the next would time out too).
   */
  timedOut: boolean;
}

export async function measureSides(
  sides: readonly Side[],
  samples: readonly string[],
  warmup: number,
): Promise<SideResult[]> {
  const results: SideResult[] = sides.map((side) => ({
    side,
    latenciesMs: [],
    outcomes: [],
    samples: [],
    timedOut: false,
  }));
  for (const result of results) {
    const warmups = samples.slice(0, Math.min(warmup, result.side.maxSamples ?? warmup));
    for (const sample of warmups) {
      if (!result.timedOut) await timeCall(result, sample, false);
    }
  }
  await takeTurns(results, samples.length, async (result, i) => {
    if (result.timedOut || i >= (result.side.maxSamples ?? Infinity)) return;
    await timeCall(result, samples[i], true);
  });
  return results;
}

/** One call; kept when `measured` or when it timed out. */
async function timeCall(result: SideResult, sample: string, measured: boolean): Promise<void> {
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = await result.side.call(sample);
  } catch (error) {
    if (!(error instanceof TimedOut)) throw error;
    result.timedOut = true;
    outcome = { rows: NaN };
  }
  if (!measured && !result.timedOut) return;
  result.latenciesMs.push(performance.now() - started);
  result.outcomes.push(outcome);
  result.samples.push(sample);
}

export interface AgeUpsertTimings {
  readonly label: string;
  /** LightRAG's merge per relation, for the relations AGE ran. */
  readonly relationMs: number[];
  readonly storageCalls: number;
  readonly endpointsCreated: number;
}

export interface UpsertTimings {
  /** pgrag: one upsert_relations call per batch of 1,000. */
  readonly pgragBatchMs: number[];
  /** AGE as LightRAG, then tuned AGE, each on its own copy of the graph. */
  readonly age: AgeUpsertTimings[];
}

/**
 * Batch by batch, pgrag's call and each AGE side's per-relation merges of the same batch (of its
 * first `agePerBatch` relations when AGE runs a sample), taking turns at going first.
 */
export async function measureUpserts(
  pgrag: PgragGraph,
  ages: readonly LightragAgeStorage[],
  relations: readonly Relation[],
  agePerBatch: number,
  progress: (message: string) => void,
): Promise<UpsertTimings> {
  const pgragBatchMs: number[] = [];
  const age = ages.map((storage) => ({
    label: storage.age.label,
    relationMs: [] as number[],
    storageCalls: -storage.age.calls,
    endpointsCreated: 0,
  }));
  const createdAt = Math.floor(Date.now() / 1000);
  const runners = [
    async (batch: readonly Relation[]) => {
      const started = performance.now();
      await pgrag.upsertRelations(batch);
      pgragBatchMs.push(performance.now() - started);
      return `pgrag ${(performance.now() - started).toFixed(0)} ms`;
    },
    ...ages.map((storage, a) => async (batch: readonly Relation[]) => {
      const started = performance.now();
      for (const relation of batch.slice(0, agePerBatch)) {
        const relationStarted = performance.now();
        age[a].endpointsCreated += await mergeRelation(storage, relation, createdAt);
        age[a].relationMs.push(performance.now() - relationStarted);
      }
      return `${age[a].label} ${((performance.now() - started) / 1000).toFixed(1)} s`;
    }),
  ];
  const batches = Math.ceil(relations.length / UPSERT_BATCH);
  let reports: string[] = [];
  await takeTurns(runners, batches, async (runner, b) => {
    const batch = relations.slice(b * UPSERT_BATCH, (b + 1) * UPSERT_BATCH);
    reports.push(await runner(batch));
    if (reports.length < runners.length) return;
    progress(
      `  batch ${b + 1} (AGE: ${Math.min(agePerBatch, batch.length)} relations): ` +
        reports.join(", "),
    );
    reports = [];
  });
  ages.forEach((storage, a) => age[a].storageCalls += storage.age.calls);
  return { pgragBatchMs, age };
}
