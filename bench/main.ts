/**
 * Entry point of `deno task bench <name> [flags]`. Each benchmark is a module exporting
 * `run(args)`; it is imported only when chosen, so one benchmark's dependencies never slow
 * down or break another. Add a benchmark by adding a line to BENCHMARKS.
 */
import { UsageError } from "./harness/cli-flags.ts";

export interface Benchmark {
  /** One line for the usage text. */
  readonly summary: string;
  readonly load: () => Promise<{ run(args: string[]): Promise<void> }>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  ingest: {
    summary: "chunk ingest: pgrag HTTP API vs per-row INSERT, pipelined batches and COPY",
    load: () => import("./ingest/benchmark.ts"),
  },
  search: {
    summary: "search: pgrag hybrid_search vs seed 003's, bare HNSW and exact, skewed tenants",
    load: () => import("./search/benchmark.ts"),
  },
  scifact: {
    summary: "retrieval quality on BEIR SciFact: nDCG@10, recall@100, MRR@10 per search mode",
    load: () => import("./scifact/benchmark.ts"),
  },
  graph: {
    summary: "knowledge graph: pgrag plain tables vs Apache AGE driven as LightRAG does",
    load: () => import("./graph/benchmark.ts"),
  },
};

function usage(): string {
  const lines = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`);
  return [
    "usage: deno task bench <benchmark> [flags]",
    "",
    ...lines,
    "",
    "Run `deno task bench <benchmark> --help` for a benchmark's flags.",
  ].join("\n");
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const benchmark = name === undefined ? undefined : BENCHMARKS[name];
  if (!benchmark) {
    console.error(name === undefined ? usage() : `unknown benchmark: ${name}\n\n${usage()}`);
    return 2;
  }
  try {
    await (await benchmark.load()).run(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${name}: ${error.message}`);
      return 2;
    }
    console.error(error);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
