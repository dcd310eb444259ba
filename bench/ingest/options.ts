/**
 * Flags of `deno task bench ingest`. Defaults are the sizes except where a full-size
 * measurement would take minutes without changing rows/s (path 2, and every path in the cells
 * with the HNSW index); --quick is a smoke run that finishes well under a minute; explicit
 * sizes win over --quick.
 */
import type { BenchmarkCli } from "../harness/benchmark.ts";
import { listFlag, type ParsedFlags, positiveIntFlag, UsageError } from "../harness/cli-flags.ts";
import { type Cell, CELL_IDS, CELLS } from "./cells.ts";
import { PATH_IDS, type PathId } from "./paths/path.ts";

export const CHUNKS_PER_DOCUMENT = 10;

export interface IngestOptions {
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

const ABOUT = `Measures chunk ingest (rows/s) on the same tables, in one run:
  1  pgrag HTTP API, 500 chunks per request (1p: two requests in flight)
  2  per-row INSERT … ON CONFLICT, autocommit, one at a time (the anchor's historic path)
  3  ≤200-row transactions of pipelined INSERT … ON CONFLICT (the anchor's current path)
  4  COPY … FROM STDIN
in four cells: loopback or 5 ms RTT, with or without the HNSW index.`;

const FLAGS = [
  { name: "rows", value: "N", help: "chunks each path writes without the index (default 10000)" },
  {
    name: "index-rows",
    value: "N",
    help: "chunks each path writes with the HNSW index (default 2000)",
  },
  { name: "path2-rows", value: "N", help: "at most this many chunks for path 2 (default 2000)" },
  {
    name: "preload",
    value: "N",
    help: "chunks in the tenant before the paths run (default 50000)",
  },
  { name: "paths", value: "LIST", help: `comma-separated subset of ${PATH_IDS.join(",")}` },
  { name: "cells", value: "LIST", help: `comma-separated subset of ${CELL_IDS.join(",")}` },
];

const QUICK = "--rows 500 --index-rows 200 --path2-rows 200 --preload 2000";

const NOTES =
  `Chunk counts are multiples of ${CHUNKS_PER_DOCUMENT} (whole documents). The benchmark works in its
own databases pgrag_bench and pgrag_bench_run, dropped and recreated on every run.`;

function ingestOptions(flags: ParsedFlags, quick: boolean): IngestOptions {
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
    quick,
    rows,
    indexRows,
    preload,
    path2Rows,
    paths: listFlag(flags, "paths", PATH_IDS),
    cells: CELLS.filter((cell) => cellIds.includes(cell.id)),
  };
}

export const ingestCli: BenchmarkCli<IngestOptions> = {
  about: ABOUT,
  flags: FLAGS,
  quick: QUICK,
  notes: NOTES,
  options: ingestOptions,
};

/** How many chunks `path` writes in `cell`. */
export function chunksFor(options: IngestOptions, cell: Cell, path: PathId): number {
  const cellRows = cell.vectorIndex ? options.indexRows : options.rows;
  return path === "2" ? Math.min(cellRows, options.path2Rows) : cellRows;
}
