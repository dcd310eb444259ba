/**
 * Flags of `deno task bench graph`. The defaults are the sizes; explicit values win over
 * --quick, a smoke run on a tenth of the graph.
 */
import type { BenchmarkCli } from "../harness/benchmark.ts";
import { type ParsedFlags, positiveIntFlag, UsageError } from "../harness/cli-flags.ts";

export interface GraphOptions {
  readonly quick: boolean;
  /** Reuse the loaded graph when it matches instead of reloading it. */
  readonly keep: boolean;
  readonly entities: number;
  readonly relations: number;
  /** Measured calls per read operation and side. */
  readonly samples: number;
  /** Unmeasured calls per read operation and side first. */
  readonly warmup: number;
  /** Relations upserted, in batches of 1,000 on pgrag's side. */
  readonly upserts: number;
  /** How many of them AGE upserts; the rest are extrapolated from its per-relation time. */
  readonly ageUpserts: number;
  /** statement_timeout of AGE's statements: past it a side's case stops (a lower bound). */
  readonly ageTimeoutSeconds: number;
}

export const UPSERT_BATCH = 1000;

const ABOUT =
  `Loads the same power-law knowledge graph into pgrag's tables and into Apache AGE (LightRAG's
layout: vertex label base, edge label DIRECTED, LightRAG's indexes) in one database, then times,
in one run, pgrag's SQL functions against AGE driven statement by statement the way LightRAG's
PGGraphStorage drives it, and against the same statements tuned (no per-call session
statements, jit off):
  upserting relations (pgrag: batches of ${UPSERT_BATCH}; AGE: LightRAG's per-relation merge),
  an entity's relations (hubs and typical entities),
  a subgraph of depth 3 and at most 1000 nodes from a hub and from a leaf,
  label search and the most connected labels.`;

const FLAGS = [
  { name: "entities", value: "N", help: "entities in the graph (default 50000)" },
  {
    name: "relations",
    value: "N",
    help: "relations in the graph (default 150000; at least entities - 1)",
  },
  { name: "samples", value: "N", help: "measured calls per read operation and side (default 30)" },
  {
    name: "warmup",
    value: "N",
    help: "unmeasured calls per read operation and side first (default 3)",
  },
  {
    name: "upserts",
    value: "N",
    help: `relations upserted (default 10000; a multiple of ${UPSERT_BATCH})`,
  },
  {
    name: "age-upserts",
    value: "N",
    help: "how many of them each AGE side runs, the total extrapolated from their mean\n" +
      "(default 2000: LightRAG's way takes about 0.15 s per relation here)",
  },
  {
    name: "age-timeout",
    value: "S",
    help: "statement timeout of AGE's statements in seconds; an operation that hits it\n" +
      "is reported as taking longer and not sampled again (default 60)",
  },
  { name: "keep", help: "reuse the loaded graph when it holds the same data set" },
];

const QUICK = "--entities 5000 --relations 15000 --samples 10 --upserts 1000";

const NOTES =
  `The loaded graph lives in pgrag_graph_bench_loaded (pgrag_graph_bench_quick_loaded for
--quick); every run measures on fresh copies of it, pgrag_graph_bench (pgrag, AGE as
LightRAG) and pgrag_graph_bench_tuned (tuned AGE), so the upserts never change what the next
run loads. Needs the age extension on the server (scripts/db-up.sh installs it).`;

function graphOptions(flags: ParsedFlags, quick: boolean): GraphOptions {
  const entities = positiveIntFlag(flags, "entities", quick ? 5_000 : 50_000);
  const relations = positiveIntFlag(flags, "relations", quick ? 15_000 : 150_000);
  const upserts = positiveIntFlag(flags, "upserts", quick ? 1_000 : 10_000);
  if (relations < entities - 1) {
    throw new UsageError("--relations must be at least --entities - 1 (the graph is connected)");
  }
  if (relations > entities * 20) throw new UsageError("--relations at most 20 × --entities");
  if (upserts % UPSERT_BATCH !== 0) {
    throw new UsageError(`--upserts must be a multiple of ${UPSERT_BATCH}`);
  }
  if (upserts > relations / 2) throw new UsageError("--upserts at most half of --relations");
  const ageUpserts = positiveIntFlag(flags, "age-upserts", Math.min(upserts, 2000));
  if (ageUpserts > upserts) throw new UsageError("--age-upserts at most --upserts");
  return {
    quick,
    keep: flags.switches.has("keep"),
    entities,
    relations,
    samples: positiveIntFlag(flags, "samples", quick ? 10 : 30),
    warmup: positiveIntFlag(flags, "warmup", quick ? 2 : 3),
    upserts,
    ageUpserts,
    ageTimeoutSeconds: positiveIntFlag(flags, "age-timeout", 60),
  };
}

export const graphCli: BenchmarkCli<GraphOptions> = {
  about: ABOUT,
  flags: FLAGS,
  quick: QUICK,
  notes: NOTES,
  options: graphOptions,
};
