/**
 * Entry point of `deno task bench <name> [flags]`. Each benchmark is a folder whose
 * benchmark.ts defines it over the shared harness (harness/benchmark.ts); it is imported only
 * when chosen, so one benchmark's dependencies never slow down or break another. Add a
 * benchmark by adding a line to BENCHMARKS.
 */
import type { RunnableBenchmark } from "./harness/benchmark.ts";
import { UsageError } from "./harness/cli-flags.ts";

interface Entry {
  /** One line for the usage text. */
  readonly summary: string;
  readonly load: () => Promise<RunnableBenchmark>;
}

const BENCHMARKS: Record<string, Entry> = {
  ingest: {
    summary: "chunk ingest: pgrag HTTP API vs per-row INSERT, pipelined batches and COPY",
    load: async () => (await import("./ingest/benchmark.ts")).ingest,
  },
  search: {
    summary: "search: pgrag hybrid_search vs seed 003's, bare HNSW and exact, skewed tenants",
    load: async () => (await import("./search/benchmark.ts")).search,
  },
  scifact: {
    summary: "retrieval quality on BEIR SciFact: nDCG@10, recall@100, MRR@10 per search mode",
    load: async () => (await import("./scifact/benchmark.ts")).scifact,
  },
  load: {
    summary: "the HTTP server under 80% search, 20% ingest at rising concurrency, then a soak",
    load: async () => (await import("./load/benchmark.ts")).load,
  },
  graph: {
    summary: "knowledge graph: pgrag plain tables vs Apache AGE driven as LightRAG does",
    load: async () => (await import("./graph/benchmark.ts")).graph,
  },
  embedding: {
    summary: "automatic embedding: chunks/s of the queue's workers against the provider's floor",
    load: async () => (await import("./embedding/benchmark.ts")).embedding,
  },
  lightrag: {
    summary: "LightRAG-style SciFact ingest: the Python adapter over HTTP vs LightRAG's PG pattern",
    load: async () => (await import("./lightrag/benchmark.ts")).lightrag,
  },
};

function usage(): string {
  const lines = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`);
  return [
    "usage: deno task bench <benchmark> [flags]",
    "",
    ...lines,
    "",
    "Run `deno task bench <benchmark> --help` for a benchmark's flags; `--quick` for a smoke run.",
  ].join("\n");
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const entry = name === undefined ? undefined : BENCHMARKS[name];
  if (!entry) {
    console.error(name === undefined ? usage() : `unknown benchmark: ${name}\n\n${usage()}`);
    return 2;
  }
  try {
    await (await entry.load()).run(rest);
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
