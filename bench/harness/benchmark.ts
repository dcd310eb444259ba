/**
 * The skeleton every benchmark runs in, written once: flags and --help, the server and its
 * superuser connection, progress on stderr, the results file (and where a smoke run writes
 * instead), the report on stdout, and closing whatever the run opened even when it fails. A
 * benchmark supplies only what differs: its flags, how they become options, and `measure`.
 */
import type postgres from "postgres";
import { type Flag, flagsHelp, type ParsedFlags, parseFlags } from "./cli-flags.ts";
import {
  benchServerUrl,
  connect,
  type ConnectOptions,
  connectToServer,
  DEFAULT_SERVER_URL,
} from "./databases.ts";
import { writeJsonResults, writeResults } from "./results-file.ts";

/** A benchmark's command line: its help, its flags and the options they make. */
export interface BenchmarkCli<Options> {
  /** What it measures, for --help. */
  readonly about: string;
  readonly flags: readonly Flag[];
  /** What --quick sets, for --help. */
  readonly quick: string;
  /** More for --help after the flags: where its data lives, what a run writes. */
  readonly notes?: string;
  /** The options the flags ask for (`quick`: --quick was given); throws UsageError. */
  options(flags: ParsedFlags, quick: boolean): Options;
}

export interface Benchmark<Options> extends BenchmarkCli<Options> {
  /** `deno task bench <name>`; also names its results file and prefixes its progress. */
  readonly name: string;
  measure(options: Options, run: Run): Promise<Results>;
}

/** What the harness gives a benchmark's `measure`. */
export interface Run {
  readonly serverUrl: string;
  /** Superuser connection to the server's `postgres` database: creates, copies and drops. */
  readonly server: postgres.Sql;
  /** Progress goes to stderr, so stdout carries only the report. */
  progress(message: string): void;
  /** Runs `close` when the run ends, after the results are written or when it failed. */
  closeAtEnd(close: () => Promise<unknown>): void;
  /** A single superuser connection to `url`, closed when the run ends. */
  connect(url: string, options?: ConnectOptions): postgres.Sql;
}

export interface Results {
  readonly markdown: string;
  /** A smoke or tuning run: it writes `<name>-quick.md`, never the committed `<name>.md`. */
  readonly partial: boolean;
  /**
   * A variant of the benchmark measured apart (another embedding): its results file is
   * `<name>-<variant>.md` (or `<name>-<variant>-quick.md`), so it never replaces the main one.
   */
  readonly variant?: string;
  /** Written beside a full run's Markdown as `<name>.json` (`<name>-<variant>.json`). */
  readonly json?: unknown;
  /** Printed instead of the Markdown (e.g. one JSON line for scripts). */
  readonly stdout?: string;
}

/** What bench/main.ts runs: the benchmark with its option types out of sight. */
export interface RunnableBenchmark {
  run(args: readonly string[]): Promise<void>;
}

const QUICK_AND_HELP = (quick: string): Flag[] => [
  { name: "quick", help: `smoke run: ${quick}` },
  { name: "help", help: "this text" },
];

const SERVER_NOTE = "Server: $PGRAG_BENCH_DATABASE_URL, else $DATABASE_URL, else " +
  `${DEFAULT_SERVER_URL}.`;

export function defineBenchmark<Options>(benchmark: Benchmark<Options>): RunnableBenchmark {
  return { run: (args) => runBenchmark(benchmark, args) };
}

function helpText<Options>(benchmark: Benchmark<Options>): string {
  const flags = [...benchmark.flags, ...QUICK_AND_HELP(benchmark.quick)];
  return [
    `usage: deno task bench ${benchmark.name} [flags]`,
    "",
    benchmark.about,
    "",
    "flags:",
    flagsHelp(flags),
    "",
    ...(benchmark.notes ? [benchmark.notes, ""] : []),
    SERVER_NOTE,
  ].join("\n");
}

async function runBenchmark<Options>(
  benchmark: Benchmark<Options>,
  args: readonly string[],
): Promise<void> {
  const flags = parseFlags(args, [...benchmark.flags, ...QUICK_AND_HELP(benchmark.quick)]);
  if (flags.switches.has("help")) {
    console.log(helpText(benchmark));
    return;
  }
  const options = benchmark.options(flags, flags.switches.has("quick"));
  const serverUrl = benchServerUrl();
  const server = connectToServer(serverUrl);
  const closers: (() => Promise<unknown>)[] = [];
  const progress = (message: string) => console.error(`[${benchmark.name}] ${message}`);
  const run: Run = {
    serverUrl,
    server,
    progress,
    closeAtEnd: (close) => closers.push(close),
    connect(url, options) {
      const sql = connect(url, options);
      closers.push(() => sql.end({ timeout: 5 }));
      return sql;
    },
  };
  try {
    const results = await benchmark.measure(options, run);
    const name = results.variant ? `${benchmark.name}-${results.variant}` : benchmark.name;
    const file = await writeResults(name, results.partial, results.markdown);
    if (results.json !== undefined && !results.partial) {
      progress(`written to ${(await writeJsonResults(name, results.json)).pathname}`);
    }
    console.log(results.stdout ?? await Deno.readTextFile(file));
    progress(`written to ${file.pathname}`);
  } finally {
    // Last opened, first closed: a server goes before the connection it runs on.
    for (const close of closers.reverse()) {
      await close().catch((error) => progress(`closing failed: ${error}`));
    }
    await server.end({ timeout: 5 });
  }
}
