/**
 * The SciFact results: a Markdown report (summary table, what the embedding is, anything odd the
 * search function did, how it was measured) and a one-line JSON form for scripts that compare
 * tuning runs.
 */
import { describeMachine, type MachineFacts } from "../harness/machine-facts.ts";
import { isFullRun, type SciFactOptions } from "./options.ts";
import type { ModeResult } from "./evaluate.ts";
import { MATCH_COUNT } from "./retrievers.ts";
import type { SciFactEmbedder } from "./embedders.ts";
import { bulletList, formatInt, markdownReport, markdownTable } from "../harness/markdown.ts";

export interface SciFactReport {
  readonly facts: MachineFacts;
  readonly options: SciFactOptions;
  readonly embedder: SciFactEmbedder;
  /** The database the corpus was loaded into. */
  readonly database: string;
  readonly queries: number;
  readonly documents: number;
  readonly results: readonly ModeResult[];
  /** Modes asked for but not run, with why. */
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
  readonly loadSeconds: number;
  /** The newest migration and the search logic applied (names and checksum prefixes). */
  readonly schema: string;
}

/** Published BM25 nDCG@10 on SciFact's test split (Thakur et al., 2021, Table 2). */
const BEIR_BM25_TEST_NDCG10 = 0.665;
/** Query text is cut to this length in the report's lists. */
const QUERY_CHARS = 90;
const EXAMPLES_KEPT = 5;

export function renderSciFactJson(report: SciFactReport): string {
  const modes = Object.fromEntries(report.results.map((result) => [result.id, {
    ndcg10: round(result.scores.ndcg10),
    recall100: round(result.scores.recall100),
    mrr10: round(result.scores.mrr10),
    p50Ms: round(result.p50Ms, 2),
    p95Ms: round(result.p95Ms, 2),
    failed: result.failed.length,
    empty: result.empty.length,
    unsorted: result.unsorted.length,
  }]));
  return JSON.stringify({
    benchmark: "scifact",
    split: "train",
    queries: report.queries,
    parameters: report.options.parameters,
    embedding: report.embedder.model,
    schema: report.schema,
    modes,
    skipped: report.skipped,
  });
}

export function renderSciFactReport(report: SciFactReport): string {
  const { options, embedder } = report;
  const limited = options.limitQueries !== undefined;
  const table = markdownTable(
    [
      "Mode",
      "nDCG@10",
      "Recall@100",
      "MRR@10",
      "p50 ms",
      "p95 ms",
      "p50 ms, top 10",
      "Failed",
      "Empty",
    ],
    report.results.map((result) => [
      result.id,
      result.scores.ndcg10.toFixed(4),
      result.scores.recall100.toFixed(4),
      result.scores.mrr10.toFixed(4),
      result.p50Ms.toFixed(1),
      result.p95Ms.toFixed(1),
      result.p50Top10Ms === undefined ? "" : result.p50Top10Ms.toFixed(1),
      String(result.failed.length),
      String(result.empty.length),
    ]),
  );
  const modes = [
    ...report.results.map((result) => `**${result.id}**: ${result.description}`),
    ...report.skipped.map((skip) => `**${skip.id}**: not run: ${skip.reason}`),
  ];
  const title = `SciFact retrieval quality${isFullRun(options) ? "" : " (partial or tuning run)"}`;
  return markdownReport(title, [
    describeMachine(report.facts),
    `${formatInt(report.queries)} queries of BEIR SciFact's **train** split` +
    `${limited ? ` (the first ${formatInt(report.queries)} only)` : ""} over ` +
    `${formatInt(report.documents)} abstracts, one chunk each, top ${MATCH_COUNT} per query. ` +
    `\`hybrid_search\` arguments: ${describeParameters(options)}; schema ` +
    `\`${report.schema}\`. Chunks and queries embedded with **${embedder.choice}** ` +
    `(model \`${embedder.model}\`).`,
    table,
    ...targetLines(report.results),
    `Reference: BEIR's BM25 scores nDCG@10 ${BEIR_BM25_TEST_NDCG10} on SciFact's *test* ` +
    "split (300 queries, held out and not here); these figures are on the *train* split, so " +
    "they are comparable with each other and only roughly with that reference.",
  ], [
    { heading: "Modes", paragraphs: [bulletList(modes)] },
    { heading: embedder.about.heading, paragraphs: [embedder.about.text] },
    { heading: "What the search function did", paragraphs: [oddities(report.results)] },
    {
      heading: "How it was measured",
      paragraphs: [bulletList([
        "Metrics as BEIR computes them: binary relevance from the qrels, nDCG@10 with " +
        "log2(rank + 1) discounts and the ideal list capped at 10, recall@100, MRR@10, averaged " +
        "over every judged query (a failed or empty query scores 0).",
        "One query at a time on one connection, each in its own transaction that first sets the " +
        "API role and the tenant (`set_config('role', 'pgrag_api', true)`), as a pgrag request " +
        "does; latency is that whole transaction seen from the client, after " +
        "5 untimed warm-up queries per mode. Query embeddings are computed before the clock.",
        `Database \`${report.database}\`, migrated with the project's runner and written as pgrag ` +
        "writes (pgrag.upsert_documents); " +
        (report.loadSeconds > 0
          ? `loaded in this run in ${report.loadSeconds.toFixed(0)} s.`
          : "reused from an earlier run (same corpus and embedding version)."),
      ])],
    },
  ]);
}

/**
 * The speed and ranking targets, where the modes they compare were run: each mode's p50 against
 * the bare HNSW query's, and how often keyword's top 10 equals the unpruned BM25's.
 */
function targetLines(results: readonly ModeResult[]): string[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const lines: string[] = [];
  const floor = byId.get("baseline-bare-hnsw");
  if (floor) {
    const ratios = (at: (result: ModeResult) => number | undefined) =>
      (["keyword", "vector", "hybrid"] as const)
        .filter((id) => byId.has(id) && at(byId.get(id)!) !== undefined)
        .map((id) => `${id} ${(at(byId.get(id)!)! / at(floor)!).toFixed(2)}×`)
        .join(", ");
    lines.push(
      `p50 against the bare HNSW query's, in SQL: at top 100 (${floor.p50Ms.toFixed(1)} ms) ` +
        `${ratios((result) => result.p50Ms)}` +
        (floor.p50Top10Ms === undefined
          ? "."
          : `; at top 10 (${floor.p50Top10Ms.toFixed(1)} ms) ${
            ratios((result) => result.p50Top10Ms)
          }.`),
    );
  }
  const keyword = byId.get("keyword");
  const reference = byId.get("baseline-bm25-unpruned");
  if (keyword && reference) {
    const same = keyword.top10.filter((ids, i) =>
      JSON.stringify(ids) === JSON.stringify(reference.top10[i])
    ).length;
    const share = same / Math.max(keyword.top10.length, 1);
    lines.push(
      `keyword's top 10 equals the unpruned BM25's for ${formatInt(same)} of ` +
        `${formatInt(keyword.top10.length)} queries (${(100 * share).toFixed(1)}%; target ≥ 99%) ` +
        `${share >= 0.99 ? "✓" : "✗"}.`,
    );
  }
  return lines;
}

function describeParameters(options: SciFactOptions): string {
  const given = Object.entries(options.parameters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name} = ${value}`);
  return given.length ? given.join(", ") : "the function's defaults";
}

/** Failures, empty answers, misordered answers and the slowest queries, per mode. */
function oddities(results: readonly ModeResult[]): string {
  return results.flatMap((result) => [
    `- **${result.id}**`,
    ...modeNotes(result).map((note) => `  - ${note}`),
  ]).join("\n");
}

function modeNotes(result: ModeResult): string[] {
  const examples = <T>(items: readonly T[], show: (item: T) => string) =>
    items.slice(0, EXAMPLES_KEPT).map(show).join("; ");
  const notes: string[] = [];
  if (result.failed.length) {
    notes.push(
      `${result.failed.length} queries failed, e.g. ` +
        examples(result.failed, (f) => `${quote(f.query.text)}: ${f.message}`),
    );
  }
  if (result.empty.length) {
    notes.push(
      `${result.empty.length} queries answered with no rows, e.g. ` +
        examples(result.empty, (query) => quote(query.text)),
    );
  }
  if (result.unsorted.length) {
    notes.push(
      `${result.unsorted.length} answers had scores not in descending order, e.g. ` +
        examples(result.unsorted, (query) => quote(query.text)),
    );
  }
  if (notes.length === 0) notes.push("no failures, no empty answers, every answer best first");
  notes.push(
    "slowest: " + examples(result.slowest, (s) => `${s.ms.toFixed(0)} ms ${quote(s.query.text)}`),
  );
  return notes;
}

function quote(text: string): string {
  const cut = text.length > QUERY_CHARS ? `${text.slice(0, QUERY_CHARS - 1)}…` : text;
  return `"${cut}"`;
}

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}
