/**
 * Flags of `deno task bench ingest`. Defaults are the sizes except where a full-size
 * measurement would take minutes without changing rows/s (path 2, and every path in the cells
 * with the HNSW index); --quick is a smoke run that finishes well under a minute; explicit
 * sizes win over --quick.
 */
import { listFlag, parseFlags, positiveIntFlag, UsageError } from "../harness/cli-flags.ts";
import { type Cell, CELL_IDS, CELLS } from "./cells.ts";
import { PATH_IDS, type PathId } from "./path.ts";

export const CHUNKS_PER_DOCUMENT = 10;

export interface IngestOptions {
  readonly help: boolean;
  readonly quick: boolean;
  /** Chunks each path writes in the cells without the vector index (path 2: see path2Rows). */
  readonly rows: number;
  /**
   * Chunks each path writes in the cells with the HNSW index. Every path pays ~8 ms a row
   * there for inserting into the graph (2 cores), so 10,000 rows would take over a minute per
   * path; rows/s barely depend on the count.
   */
  readonly indexRows: number;
  /** Chunks the tenant holds before any path runs. */
  readonly preload: number;
  /** At most this many chunks for path 2: one round trip per row takes minutes at 5 ms. */
  readonly path2Rows: number;
  readonly paths: readonly PathId[];
  readonly cells: readonly Cell[];
}

export const INGEST_HELP = `usage: deno task bench ingest [flags]

Measures chunk ingest (rows/s) on the same tables, in one run:
  1  pgrag HTTP API, 500 chunks per request
  2  per-row INSERT … ON CONFLICT, autocommit, one at a time (the anchor's historic path)
  3  ≤200-row transactions of pipelined INSERT … ON CONFLICT (the anchor's current path)
  4  COPY … FROM STDIN
in four cells: loopback or 5 ms RTT, with or without the HNSW index.

flags:
  --rows N         chunks each path writes without the index (default 10000)
  --index-rows N   chunks each path writes with the HNSW index (default 2000)
  --path2-rows N   at most this many chunks for path 2 (default 2000)
  --preload N      chunks in the tenant before the paths run (default 50000)
  --quick          smoke run: --rows 500 --index-rows 200 --path2-rows 200 --preload 2000
  --paths LIST     comma-separated subset of ${PATH_IDS.join(",")}
  --cells LIST     comma-separated subset of ${CELL_IDS.join(",")}
  --help           this text

Chunk counts are multiples of ${CHUNKS_PER_DOCUMENT} (whole documents).

Server: $PGRAG_BENCH_DATABASE_URL, else $DATABASE_URL, else the local default; the benchmark
works in its own databases pgrag_bench and pgrag_bench_run there, dropped and recreated on
every run.`;

export function parseIngestOptions(args: readonly string[]): IngestOptions {
  const flags = parseFlags(args, {
    values: ["rows", "index-rows", "preload", "path2-rows", "paths", "cells"],
    switches: ["quick", "help"],
  });
  const quick = flags.switches.has("quick");
  const rows = positiveIntFlag(flags, "rows", quick ? 500 : 10_000);
  const indexRows = positiveIntFlag(flags, "index-rows", quick ? 200 : 2_000);
  const preload = positiveIntFlag(flags, "preload", quick ? 2_000 : 50_000);
  const path2Rows = positiveIntFlag(flags, "path2-rows", quick ? 200 : 2_000);
  const counts = [["rows", rows], ["index-rows", indexRows], ["path2-rows", path2Rows]] as const;
  for (const [name, value] of counts) {
    if (value % CHUNKS_PER_DOCUMENT !== 0) {
      throw new UsageError(
        `--${name} must be a multiple of ${CHUNKS_PER_DOCUMENT} (whole documents)`,
      );
    }
  }
  const cellIds = listFlag(flags, "cells", CELL_IDS);
  return {
    help: flags.switches.has("help"),
    quick,
    rows,
    indexRows,
    preload,
    path2Rows,
    paths: listFlag(flags, "paths", PATH_IDS),
    cells: CELLS.filter((cell) => cellIds.includes(cell.id)),
  };
}

/** How many chunks `path` writes in `cell`. */
export function chunksFor(options: IngestOptions, cell: Cell, path: PathId): number {
  const cellRows = cell.vectorIndex ? options.indexRows : options.rows;
  return path === "2" ? Math.min(cellRows, options.path2Rows) : cellRows;
}
