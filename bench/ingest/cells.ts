/**
 * The settings every path is measured under: database on loopback or 5 ms away, with or
 * without the HNSW vector index. Every path in every cell starts from its own copy of the same
 * template, so the order of the cells does not affect the results; this is the report's order.
 */
export type CellId = "loopback-noindex" | "5ms-noindex" | "loopback-index" | "5ms-index";

export interface Cell {
  readonly id: CellId;
  readonly label: string;
  /** Round trip the latency proxy adds between every writer and PostgreSQL; 0: direct. */
  readonly rttMs: number;
  readonly vectorIndex: boolean;
}

export const SIMULATED_RTT_MS = 5;

export const CELLS: readonly Cell[] = [
  { id: "loopback-noindex", label: "loopback, no index", rttMs: 0, vectorIndex: false },
  {
    id: "5ms-noindex",
    label: `${SIMULATED_RTT_MS} ms RTT, no index`,
    rttMs: SIMULATED_RTT_MS,
    vectorIndex: false,
  },
  { id: "loopback-index", label: "loopback, HNSW index", rttMs: 0, vectorIndex: true },
  {
    id: "5ms-index",
    label: `${SIMULATED_RTT_MS} ms RTT, HNSW index`,
    rttMs: SIMULATED_RTT_MS,
    vectorIndex: true,
  },
];

export const CELL_IDS: readonly CellId[] = CELLS.map((cell) => cell.id);
