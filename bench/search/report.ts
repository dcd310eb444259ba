/**
 * The search benchmark's Markdown report: the targets as ratios measured in the same run, every
 * method's latency, recall and row counts per case, and how the data was made and measured.
 */
import { describeMachine, type MachineFacts } from "../harness/machine-facts.ts";
import { mean, percentile } from "../harness/statistics.ts";
import {
  bulletList,
  check,
  formatInt,
  formatMs,
  formatRatio,
  markdownReport,
  markdownTable,
} from "../harness/markdown.ts";
import type { SearchDataSet } from "./data.ts";
import type { SearchDatabase } from "./database.ts";
import type { MethodResult } from "./measure.ts";
import type { SearchOptions } from "./options.ts";

export interface CaseResult {
  /** The tenant, its size and the filter. */
  readonly label: string;
  readonly results: readonly MethodResult[];
}

export interface SearchReportInput {
  readonly facts: MachineFacts;
  /** shared_buffers, work_mem, jit and the load average: what bears on the latencies. */
  readonly settings: string;
  readonly options: SearchOptions;
  readonly data: SearchDataSet;
  readonly database: SearchDatabase;
  readonly cases: readonly CaseResult[];
}

const TARGET_SPEEDUP = 20;
const TARGET_RECALL = 0.95;
const TARGET_OVERHEAD = 2;

export function renderSearchReport(input: SearchReportInput): string {
  const { options, data } = input;
  return markdownReport(`Search benchmark${options.quick ? " (quick run)" : ""}`, [
    `${describeMachine(input.facts)} · ${input.settings}`,
    `${formatInt(data.shape.chunks)} chunks × ${data.shape.dimension} dimensions in ` +
    `${data.tenants.length} tenants; top ${options.topK}; ef_search ${options.efSearch}` +
    ` (and ${options.highEfSearch} where recall at ${options.efSearch} fell short); ` +
    `${options.queries} measured queries per case and method after ${options.warmup} warm-up ` +
    `queries, ${options.seedQueries} for seed 003.`,
  ], [
    {
      heading: "Targets",
      paragraphs: [
        targetsTable(input),
        `Targets (✓/✗): pgrag hybrid ≥ ${TARGET_SPEEDUP}× faster (p50) than seed 003's ` +
        `hybrid_search at equal or better recall; recall@10 ≥ ${TARGET_RECALL} and exactly ` +
        `top_k rows (or every row the filter keeps, when fewer) under every filter; pgrag ` +
        `hybrid p50 within ${TARGET_OVERHEAD}× of the bare HNSW query's p50 plus the keyword ` +
        "probe's p50. Ratios use the SQL calls (seed 003 is SQL too); the HTTP row of each case " +
        "shows what the API adds.",
      ],
    },
    { heading: "All methods", paragraphs: [detailsTable(input)] },
    { heading: "How the data was made", paragraphs: [dataParagraph(input)] },
    { heading: "How it was measured", paragraphs: [bulletList(measurementNotes(input))] },
  ]);
}

function find(c: CaseResult, methodId: string, efSearch?: number): MethodResult | undefined {
  return c.results.find((r) =>
    r.method.id === methodId && (efSearch === undefined || r.efSearch === efSearch)
  );
}

const p50 = (r: MethodResult) => percentile(r.latenciesMs, 50);

/** Queries whose row count was the exact scan's: top_k, or all the filter keeps if fewer. */
function complete(r: MethodResult): number {
  return r.rows.filter((rows, i) => rows === r.expectedRows[i]).length;
}

function targetsTable({ cases, options }: SearchReportInput): string {
  const rows = cases.map((c) => {
    const hybrid = find(c, "pgrag-sql-hybrid", options.efSearch);
    const vector = find(c, "pgrag-sql-vector", options.efSearch);
    const keyword = find(c, "pgrag-sql-keyword");
    const bare = find(c, "bare-hnsw", options.efSearch);
    const seed = find(c, "seed003");
    if (!hybrid || !vector || !keyword || !bare) return [c.label, "pgrag search did not run"];
    const seedCell = seed
      ? (() => {
        const speedup = percentile(seed.latenciesMs, 50) / p50(hybrid);
        const recallOk = mean(hybrid.recalls) >= mean(seed.recalls);
        return `${formatRatio(speedup)} ${check(speedup >= TARGET_SPEEDUP && recallOk)}`;
      })()
      : "n/a (no filter parameter)";
    const recallCell = `${mean(vector.recalls).toFixed(3)} / ${mean(hybrid.recalls).toFixed(3)}` +
      (seed ? ` / ${mean(seed.recalls).toFixed(3)}` : "");
    const pgragModes = c.results.filter((r) =>
      r.method.id.startsWith("pgrag-") && r.method.id !== "pgrag-sql-keyword" &&
      r.efSearch === options.efSearch
    );
    const short = pgragModes.reduce((sum, r) => sum + r.rows.length - complete(r), 0);
    const rowsCell = short === 0
      ? `✓ ${Math.min(...hybrid.rows)}–${Math.max(...hybrid.rows)} rows`
      : `✗ ${short} short answers`;
    const overhead = p50(hybrid) / (p50(bare) + p50(keyword));
    return [
      c.label,
      seedCell,
      `${recallCell} ${check(mean(vector.recalls) >= TARGET_RECALL)}`,
      rowsCell,
      `${formatRatio(overhead)} ${check(overhead <= TARGET_OVERHEAD)}`,
    ];
  });
  return markdownTable([
    "Case",
    `seed 003 p50 / pgrag hybrid p50 (≥ ${TARGET_SPEEDUP}×, recall ≥ seed's)`,
    `recall@10 vector / hybrid / seed (vector ≥ ${TARGET_RECALL})`,
    "rows = top_k (pgrag hybrid, vector, HTTP)",
    `pgrag hybrid p50 / (bare HNSW p50 + keyword p50) (≤ ${TARGET_OVERHEAD}×)`,
  ], rows);
}

function detailsTable({ cases }: SearchReportInput): string {
  const rows = cases.flatMap((c) =>
    c.results.map((r) => {
      const keyword = r.method.id.endsWith("keyword");
      return [
        c.label,
        r.method.label,
        r.method.usesEfSearch ? String(r.efSearch) : "",
        String(r.latenciesMs.length),
        formatMs(percentile(r.latenciesMs, 50)),
        formatMs(percentile(r.latenciesMs, 95)),
        keyword ? "—" : mean(r.recalls).toFixed(3),
        `${Math.min(...r.rows)}–${Math.max(...r.rows)}`,
        keyword ? "—" : `${complete(r)}/${r.rows.length}`,
      ];
    })
  );
  return markdownTable([
    "Case",
    "Method",
    "ef_search",
    "Queries",
    "p50 ms",
    "p95 ms",
    "recall@10",
    "Rows",
    "Complete",
  ], rows);
}

function dataParagraph({ data, database }: SearchReportInput): string {
  const { shape } = data;
  const sizes = data.tenants.map((t) => t.chunks);
  const underOnePercent = sizes.filter((size) => size < shape.chunks / 100).length;
  const topics = data.topics.length;
  return [
    `Tenants: one holds ${formatInt(sizes[0])} chunks (${(100 * shape.largestShare).toFixed(0)}%),`,
    `the other ${sizes.length - 1} share the rest in proportion to 1/rank (${formatInt(sizes[1])}`,
    `down to ${formatInt(sizes[sizes.length - 1])}; ${underOnePercent} tenants hold under 1%), in`,
    `documents of ${shape.chunksPerDocument} chunks. Vectors: ${formatInt(topics)} topic centres`,
    `in ${topics / shape.topicsPerField} fields of ${shape.topicsPerField} (field centre: a random`,
    "unit vector; topic centre: field centre plus Gaussian noise, cosine ≈ 0.4 between topics of a",
    "field, ≈ 0 across fields); every chunk is its topic's centre plus Gaussian noise, L2-normalised",
    "(cosine ≈ 0.75 to the centre), and every document keeps to one topic. A tenant uses about one",
    "topic per 30 chunks, drawn at random, so topics recur across tenants and a tenant's",
    "neighbourhood in the shared HNSW graph is mostly other tenants' chunks. Text: each topic is one",
    "SciFact abstract (of 5,183); a chunk is 2–3 consecutive sentences of its topic's abstract and",
    "2–3 sentences of other abstracts of its field, and a document's title is its abstract's.",
    `Metadata: {"bucket": n % ${shape.buckets}, "topic": t} for the n-th chunk, so the filter`,
    `{"bucket": 7} keeps 1% of every tenant. Queries: a chunk of the tenant is drawn (one the`,
    "filter keeps, in filtered cases); the query text is 3 consecutive words of 5 letters or more",
    'from its first sentence (e.g. "levels hydroxynonenal patients"), the embedding its topic\'s',
    "centre plus noise (cosine ≈ 0.85 to the centre).",
    `Everything is seeded (seed ${shape.seed}): every run loads and asks the same. Written as`,
    "pgrag writes (pgrag.upsert_documents, 500 chunks a call), the HNSW index built afterwards; the",
    "database",
    `${database.name} was ${database.reused ? "reused from an earlier run" : "built in this run"}.`,
  ].join(" ");
}

function measurementNotes({ database, options }: SearchReportInput): string[] {
  const load = database.load;
  return [
    `Loading (untimed, ${database.reused ? "in the run that built the database" : "this run"}): ` +
    `writing ${load.writeSeconds.toFixed(0)} s, HNSW build ${load.hnswSeconds.toFixed(0)} s, ` +
    `seed 003's copy and indexes ${load.seedSeconds.toFixed(0)} s, VACUUM ANALYZE ` +
    `${load.vacuumSeconds.toFixed(0)} s.`,
    "Latency is the client's wall time for one search, the transaction included, on loopback; " +
    "methods take turns query by query (each query starting with the next method), so noise on " +
    "the shared machine lands on all alike. No prepared statements, as pgrag's server runs.",
    "pgrag in SQL: `begin; select set_config('role', 'pgrag_api', true), " +
    "set_config('pgrag.tenant_id', …, true), …; select … from pgrag.hybrid_search(…); commit;` " +
    "(the context pgrag's database seam sets) with row level security in force. HTTP: POST /rag/v1/search with a reader key, the embedding " +
    "as base64 float32, to pgrag's app served in this process.",
    "Seed 003: its table, its seven indexes (IVFFlat lists = 100, GIN on to_tsvector of content " +
    "and title, GIN on metadata, B-tree on tenant_id …) and its hybrid_search as the seed gives " +
    "them, in schema seed003, holding the same rows (id: a UUID made from the chunk's number). " +
    "Verbatim, its function fails on PostgreSQL 17 (`structure of query does not match function " +
    "result type`: ts_rank_cd returns real, the function declares FLOAT), so one cast was added. " +
    "It is called with the tenant as argument, as the superuser (its RLS policies are left out: " +
    "they would only repeat the tenant condition). It has no filter parameter, so it does not run " +
    `in the filtered cases, and it ranks every row of the tenant, so it gets ` +
    `${options.seedQueries} queries per case.`,
    "Bare HNSW: `select id from pgrag.chunks where tenant_id = $1 [and metadata @> $f] order by " +
    "embedding <=> $q limit k` as the superuser, with hnsw.ef_search and hnsw.iterative_scan = " +
    "relaxed_order as pgrag's semantic arm sets them (the planner may still pick another plan). " +
    "Exact: the same query ordered by `(embedding <=> $q) + 0`, which no index serves: the ground " +
    "truth for recall.",
    "recall@10 is |result ∩ exact top 10| / |exact top 10| (1 when the filter keeps nothing). " +
    "For hybrid results (pgrag's and the seed's) it is a proxy: hybrid ranking mixes in keyword " +
    "matches by design, so its agreement with the vector ground truth is not its quality. " +
    "Keyword mode has no vector ground truth (—).",
    "Complete: queries answered with as many rows as the exact scan returned (top_k, or all " +
    "the tenant's chunks the filter keeps when fewer).",
  ];
}
