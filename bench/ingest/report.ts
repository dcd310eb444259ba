/**
 * The ingest results as Markdown: one row per cell with each path's rows/s and pgrag's ratio to
 * each baseline, checked against the targets, then the details a reader needs to trust
 * or question the numbers.
 */
import type { Cell } from "./cells.ts";
import type { IngestOptions } from "./options.ts";
import type { IngestPath, PathId } from "./paths/path.ts";
import { describeMachine, type MachineFacts } from "../harness/machine-facts.ts";
import type { PathResult } from "./measure-path.ts";
import { bulletList, formatInt, markdownReport, markdownTable } from "../harness/markdown.ts";

export interface IngestReport {
  readonly facts: MachineFacts;
  readonly options: IngestOptions;
  readonly paths: readonly IngestPath[];
  readonly results: readonly PathResult[];
  readonly loopbackRttMs: number;
  readonly proxiedRttMs: number;
  /** Template database: creation, migration, preload, index build and vacuum. */
  readonly setupSeconds: number;
  readonly indexBuildSeconds: number;
}

interface Target {
  /** pgrag (path 1 or 1p) divided by this path. */
  readonly baseline: PathId;
  readonly min: number;
  readonly applies: (cell: Cell) => boolean;
}

/** The targets for pgrag's ratio to each baseline. */
const TARGETS: readonly Target[] = [
  { baseline: "4", min: 0.8, applies: (cell) => cell.vectorIndex },
  { baseline: "4", min: 0.5, applies: (cell) => !cell.vectorIndex },
  { baseline: "2", min: 15, applies: (cell) => cell.rttMs > 0 && !cell.vectorIndex },
  { baseline: "3", min: 1, applies: (cell) => cell.rttMs > 0 && !cell.vectorIndex },
];

const RATIOS: readonly { pgrag: PathId; baseline: PathId; heading: string }[] = [
  { pgrag: "1", baseline: "4", heading: "1 / COPY" },
  { pgrag: "1", baseline: "2", heading: "1 / 2" },
  { pgrag: "1", baseline: "3", heading: "1 / 3" },
  { pgrag: "1p", baseline: "4", heading: "1p / COPY" },
  { pgrag: "1p", baseline: "2", heading: "1p / 2" },
  { pgrag: "1p", baseline: "3", heading: "1p / 3" },
];

export function renderIngestReport(report: IngestReport): string {
  const { options } = report;
  const find = (cell: Cell, pathId: PathId) =>
    report.results.find((result) => result.cell.id === cell.id && result.pathId === pathId);

  const summary = markdownTable(
    [
      "Cell",
      "Chunks per path",
      ...report.paths.map((path) => `${path.label} rows/s`),
      ...RATIOS.map((ratio) => ratio.heading),
    ],
    options.cells.map((cell) => [
      cell.label,
      chunkCounts(report, cell),
      ...report.paths.map((path) => {
        const result = find(cell, path.id);
        return result ? formatInt(result.rowsPerSecond) : "—";
      }),
      ...RATIOS.map(({ pgrag, baseline }) =>
        ratioCell(cell, find(cell, pgrag), find(cell, baseline), baseline)
      ),
    ]),
  );

  const details = markdownTable(
    ["Cell", "Path", "Chunks", "Seconds", "Rows/s", "Note"],
    report.results.map((result) => [
      result.cell.label,
      report.paths.find((path) => path.id === result.pathId)?.label ?? result.pathId,
      formatInt(result.chunks),
      result.seconds.toFixed(2),
      formatInt(result.rowsPerSecond),
      result.note ?? "",
    ]),
  );

  const pathLines = report.paths.map((path) => `**${path.label}**: ${path.description}`);
  return markdownReport(`Ingest benchmark${options.quick ? " (quick smoke run)" : ""}`, [
    describeMachine(report.facts),
    `${count(report.paths.length, "path")} × ${count(options.cells.length, "cell")}: ` +
    "1536-dimension embeddings, documents of 10 chunks, written into a tenant already holding " +
    `${formatInt(options.preload)} chunks. Path 2 (one round trip per row) writes at most ` +
    `${formatInt(options.path2Rows)} chunks, and every path writes ` +
    `${formatInt(options.indexRows)} in the cells with the HNSW index, where inserting into the ` +
    "graph costs milliseconds a row whatever the path: counts that take minutes otherwise and " +
    "leave rows/s comparable.",
    summary,
    "Targets (✓/✗): with index 1 ≥ 0.8× COPY; without index 1 ≥ 0.5× COPY; " +
    "5 ms without index 1 ≥ 15× path 2 and ≥ 1× path 3.",
  ], [
    { heading: "Paths", paragraphs: [bulletList(pathLines)] },
    { heading: "Details", paragraphs: [details] },
    {
      heading: "How it was measured",
      paragraphs: [bulletList([
        "Rows/s counts chunk rows; the time includes writing their documents (same method as " +
        "the chunks) and turning the in-memory Float32Array embeddings into the path's wire " +
        "format.",
        "Connecting, starting pgrag's server and one warm-up write per path (which also " +
        "prepares the statements) happen before the clock starts.",
        `Measured round trip to PostgreSQL: ${report.loopbackRttMs.toFixed(2)} ms on loopback, ` +
        `${report.proxiedRttMs.toFixed(2)} ms through the latency proxy (which sits between ` +
        "every writer, including pgrag's server, and PostgreSQL; the HTTP hop is loopback).",
        "Every path starts from the identical table: a fresh file copy of a template database " +
        "(migrated, preloaded, indexed, vacuumed), with the HNSW index dropped for the cells " +
        "without it. The preload is written as pgrag writes, through pgrag.upsert_documents.",
        `Untimed setup: ${report.setupSeconds.toFixed(0)} s, of which building the HNSW index ` +
        `over the preload ${report.indexBuildSeconds.toFixed(0)} s.`,
        "Writer, pgrag server and latency proxy share one process and the machine's cores with " +
        "PostgreSQL, so numbers move by several percent between runs on a noisy machine.",
      ])],
    },
  ]);
}

/** "10,000", or "10,000; path 2: 2,000" when path 2 wrote fewer. */
function chunkCounts(report: IngestReport, cell: Cell): string {
  const counts = report.paths.map((path) => ({
    path: path.id,
    chunks: report.results.find((r) => r.cell.id === cell.id && r.pathId === path.id)?.chunks,
  })).filter((entry) => entry.chunks !== undefined);
  const others = counts.find((entry) => entry.path !== "2")?.chunks;
  const path2 = counts.find((entry) => entry.path === "2")?.chunks;
  if (others === undefined) return path2 === undefined ? "—" : formatInt(path2);
  if (path2 === undefined || path2 === others) return formatInt(others);
  return `${formatInt(others)}; path 2: ${formatInt(path2)}`;
}

function ratioCell(
  cell: Cell,
  pgrag: PathResult | undefined,
  baseline: PathResult | undefined,
  baselineId: PathId,
): string {
  if (!pgrag || !baseline) return "—";
  const ratio = pgrag.rowsPerSecond / baseline.rowsPerSecond;
  const text = `${ratio.toFixed(ratio >= 10 ? 1 : 2)}×`;
  const target = TARGETS.find((t) => t.baseline === baselineId && t.applies(cell));
  if (!target) return text;
  return `${text} ${ratio >= target.min ? "✓" : "✗"} (≥ ${target.min}×)`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
