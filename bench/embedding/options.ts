/**
 * Flags of `deno task bench embedding`. The claim size and the inputs per call default to the
 * product's (PGRAG_EMBEDDING_CLAIM_SIZE, PGRAG_EMBEDDING_BATCH_SIZE), so the default run measures
 * what a deployment runs; --claim-size shows how much of the throughput the claim size decides.
 */
import { parseConfig } from "../../shared/config.ts";
import type { BenchmarkCli } from "../harness/benchmark.ts";
import { type ParsedFlags, positiveIntFlag, UsageError } from "../harness/cli-flags.ts";

export const CHUNKS_PER_DOCUMENT = 10;
/** The embedding settings a deployment runs with when it sets none (shared/config.ts). */
export const PRODUCT_DEFAULTS = parseConfig({}).embedding;
const DEFAULT_CLAIM_SIZE = PRODUCT_DEFAULTS.claimSize;
const DEFAULT_INPUTS_PER_CALL = PRODUCT_DEFAULTS.batchSize;

export interface EmbeddingOptions {
  readonly quick: boolean;
  /** A smoke or tuning run (--quick, or another claim size or call size): not the committed file. */
  readonly partial: boolean;
  /** Chunks each cell's tenant writes and the workers embed. */
  readonly chunks: number;
  /** Queue entries one claim takes (PGRAG_EMBEDDING_CLAIM_SIZE). */
  readonly claimSize: number;
  /** Inputs the openai provider puts in one call (PGRAG_EMBEDDING_BATCH_SIZE). */
  readonly inputsPerCall: number;
}

/** One measurement: the stand-in's latency per call and the worker loops running. */
export interface Cell {
  readonly latencyMs: number;
  readonly workers: number;
}

export const CELLS: readonly Cell[] = [
  { latencyMs: 0, workers: 1 },
  { latencyMs: 0, workers: 4 },
  { latencyMs: 50, workers: 1 },
  { latencyMs: 50, workers: 4 },
];

const ABOUT = `Measures automatic embedding: chunks written without embeddings in a transaction
that asks for it are queued by the chunk triggers, and EmbeddingWorker loops claim, embed (the
openai provider against a local OpenAI-compatible stand-in) and store them. Chunks per second
from the workers' start until the queue is empty and every document is processed, against the
floor the provider's latency sets, in four cells: 0 or 50 ms per call, 1 or 4 worker loops.`;

const FLAGS = [
  { name: "chunks", value: "N", help: "chunks per cell, ~100 words each (default 4000)" },
  {
    name: "claim-size",
    value: "N",
    help: `queue entries per claim (default ${DEFAULT_CLAIM_SIZE}, the product's)`,
  },
  {
    name: "inputs-per-call",
    value: "N",
    help: `inputs per provider call (default ${DEFAULT_INPUTS_PER_CALL}, the product's)`,
  },
];

const QUICK = "--chunks 400";

const NOTES = `Chunk counts are multiples of ${CHUNKS_PER_DOCUMENT} (whole documents). The benchmark
works in its own databases: pgrag_bench_embedding_template, migrated on every run, and
pgrag_bench_embedding, a fresh copy of it for each cell.`;

function embeddingOptions(flags: ParsedFlags, quick: boolean): EmbeddingOptions {
  const chunks = positiveIntFlag(flags, "chunks", quick ? 400 : 4_000);
  if (chunks % CHUNKS_PER_DOCUMENT !== 0) {
    throw new UsageError(`--chunks must be a multiple of ${CHUNKS_PER_DOCUMENT} (whole documents)`);
  }
  const claimSize = positiveIntFlag(flags, "claim-size", DEFAULT_CLAIM_SIZE);
  const inputsPerCall = positiveIntFlag(flags, "inputs-per-call", DEFAULT_INPUTS_PER_CALL);
  return {
    quick,
    partial: quick || claimSize !== DEFAULT_CLAIM_SIZE ||
      inputsPerCall !== DEFAULT_INPUTS_PER_CALL,
    chunks,
    claimSize,
    inputsPerCall,
  };
}

export const embeddingCli: BenchmarkCli<EmbeddingOptions> = {
  about: ABOUT,
  flags: FLAGS,
  quick: QUICK,
  notes: NOTES,
  options: embeddingOptions,
};

export function cellLabel(cell: Cell): string {
  return `${cell.latencyMs} ms, ${cell.workers} worker${cell.workers === 1 ? "" : "s"}`;
}
