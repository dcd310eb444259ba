/**
 * Flags of `deno task bench search`. The defaults are the sizes; --quick is a smoke run
 * on a tenth of the data that finishes in a couple of minutes; explicit values win over --quick.
 */
import type { BenchmarkCli } from "../harness/benchmark.ts";
import { type ParsedFlags, positiveIntFlag, UsageError } from "../harness/cli-flags.ts";
import { SCIFACT_DATA_FLAG, sciFactDir } from "../harness/scifact-files.ts";

export interface SearchOptions {
  readonly quick: boolean;
  readonly rebuild: boolean;
  readonly chunks: number;
  /** Measured queries per case for every method but the seed's. */
  readonly queries: number;
  /** Measured queries per case for the seed's function, which reads the whole tenant. */
  readonly seedQueries: number;
  /** Unmeasured queries per case and method before the clock starts. */
  readonly warmup: number;
  readonly efSearch: number;
  /** The second ef_search, measured when recall at the first is short of the target. */
  readonly highEfSearch: number;
  readonly topK: number;
  /** The SciFact folder: its abstracts are the chunks' text. */
  readonly dataDir: URL;
}

const ABOUT =
  `Measures search latency (p50/p95), recall@10 against an exact scan and rows returned, on
100 tenants of skewed size (one holds 30%), for a large and a small tenant, with and without a
1%-selective metadata filter, in one run:
  pgrag hybrid_search over HTTP and in SQL (hybrid, vector and keyword modes),
  seed 003's hybrid_search (the reference design) on the same rows,
  a bare HNSW query on pgrag.chunks (the semantic arm's lower bound),
  the exact scan (ground truth).`;

const FLAGS = [
  {
    name: "chunks",
    value: "N",
    help: "chunks in the data set (default 100000; a multiple of 1000)",
  },
  { name: "queries", value: "N", help: "measured queries per case and method (default 50)" },
  { name: "seed-queries", value: "N", help: "measured queries per case for seed 003 (default 15)" },
  { name: "warmup", value: "N", help: "unmeasured queries per case and method first (default 5)" },
  {
    name: "ef-search",
    value: "N",
    help: "hnsw ef_search for pgrag and the bare HNSW query (default 40)",
  },
  {
    name: "high-ef-search",
    value: "N",
    help: "measured too when recall@10 at --ef-search is below 0.95 (default 100)",
  },
  { name: "top-k", value: "N", help: "results per query (default 10)" },
  { name: "rebuild", help: "reload the data even when the loaded database matches" },
  SCIFACT_DATA_FLAG,
];

const QUICK = "--chunks 10000 --queries 20 --seed-queries 5 --warmup 2";

const NOTES = `The data lives in its own database on the server (pgrag_bench_search, or
pgrag_bench_search_quick with --quick), kept between runs and reused while it matches.`;

function searchOptions(flags: ParsedFlags, quick: boolean): SearchOptions {
  const chunks = positiveIntFlag(flags, "chunks", quick ? 10_000 : 100_000);
  // 100 tenants in whole documents of 10, and one topic per 100 chunks.
  if (chunks % 1000 !== 0) throw new UsageError("--chunks must be a multiple of 1000");
  return {
    quick,
    rebuild: flags.switches.has("rebuild"),
    chunks,
    queries: positiveIntFlag(flags, "queries", quick ? 20 : 50),
    seedQueries: positiveIntFlag(flags, "seed-queries", quick ? 5 : 15),
    warmup: positiveIntFlag(flags, "warmup", quick ? 2 : 5),
    efSearch: positiveIntFlag(flags, "ef-search", 40),
    highEfSearch: positiveIntFlag(flags, "high-ef-search", 100),
    topK: positiveIntFlag(flags, "top-k", 10),
    dataDir: sciFactDir(flags),
  };
}

export const searchCli: BenchmarkCli<SearchOptions> = {
  about: ABOUT,
  flags: FLAGS,
  quick: QUICK,
  notes: NOTES,
  options: searchOptions,
};
