/**
 * Flags of `deno task bench load`. The defaults are the issue's: concurrency 10, 50, 200 and 500
 * for 30 s each, then a 5-minute soak; --quick runs every level for 5 s and soaks for 15 s, to
 * check the benchmark works in well under a minute of load; explicit values win over --quick.
 */
import type { BenchmarkCli } from "../harness/benchmark.ts";
import { type ParsedFlags, positiveIntFlag, UsageError } from "../harness/cli-flags.ts";

export interface LoadOptions {
  readonly quick: boolean;
  /** Connections of each measured level, rising; each keeps one request in flight. */
  readonly levels: readonly number[];
  readonly levelSeconds: number;
  /** The unloaded baseline: this many connections (one), as long as a level. */
  readonly baselineConnections: number;
  readonly soakConnections: number;
  readonly soakSeconds: number;
  /** An unreported run before the baseline, so no level pays for compiling the server's code. */
  readonly warmupSeconds: number;
  /** Chunks the tenant holds before the load starts. */
  readonly corpusChunks: number;
}

const ABOUT =
  `Drives pgrag's HTTP server (deno task start, as a child process) with autocannon: a mix of 80%
POST /search (half hybrid with an embedding, half keyword) and 20% POST /documents (one small
document of two embedded chunks), at rising concurrency, then a soak at one concurrency. Per
level: requests/s, p50/p99 by route, the status codes (503 and 429 with and without
Retry-After), timeouts and socket errors, the longest request and the server's RSS; every answer
is checked against the server's request deadline when it has one.`;

const DEFAULT_LEVELS = [10, 50, 200, 500];
/**
 * A load the server sustains: the level with the highest throughput, and within what a server
 * of 5 database connections admits at once (the connections plus a queue of a few dozen), so a
 * soak measures memory under steady work and not under a storm of refusals.
 */
const DEFAULT_SOAK_CONNECTIONS = 10;

const FLAGS = [
  {
    name: "levels",
    value: "LIST",
    help: `comma-separated connection counts, rising (default ${DEFAULT_LEVELS.join(",")})`,
  },
  { name: "seconds", value: "N", help: "seconds of each level and of the baseline (default 30)" },
  { name: "soak-seconds", value: "N", help: "seconds of the soak (default 300)" },
  { name: "soak-connections", value: "N", help: "connections of the soak (default 10)" },
  { name: "corpus", value: "N", help: "chunks preloaded into the tenant (default 5000)" },
];

const QUICK = "--seconds 5 --soak-seconds 15 --corpus 2000";

const NOTES =
  `The benchmark works in its own database pgrag_bench_load, created for the run and dropped at its
end; all load goes to the server it starts, on 127.0.0.1. Embeddings have 384 dimensions.`;

function loadOptions(flags: ParsedFlags, quick: boolean): LoadOptions {
  const levels = levelsFlag(flags);
  return {
    quick,
    levels,
    levelSeconds: positiveIntFlag(flags, "seconds", quick ? 5 : 30),
    baselineConnections: 1,
    soakConnections: positiveIntFlag(flags, "soak-connections", DEFAULT_SOAK_CONNECTIONS),
    soakSeconds: positiveIntFlag(flags, "soak-seconds", quick ? 15 : 300),
    warmupSeconds: quick ? 2 : 5,
    corpusChunks: positiveIntFlag(flags, "corpus", quick ? 2_000 : 5_000),
  };
}

function levelsFlag(flags: ParsedFlags): number[] {
  const text = flags.values.get("levels");
  if (text === undefined) return DEFAULT_LEVELS;
  const levels = text.split(",").map((item) => Number(item.trim()));
  if (levels.some((level) => !Number.isSafeInteger(level) || level < 1)) {
    throw new UsageError(`--levels must be positive integers, not ${text}`);
  }
  if (levels.some((level, i) => i > 0 && level <= levels[i - 1])) {
    throw new UsageError(`--levels must rise, not ${text}`);
  }
  return levels;
}

export const loadCli: BenchmarkCli<LoadOptions> = {
  about: ABOUT,
  flags: FLAGS,
  quick: QUICK,
  notes: NOTES,
  options: loadOptions,
};
