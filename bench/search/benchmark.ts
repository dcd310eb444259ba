/**
 * `deno task bench search`: how fast and how complete pgrag's hybrid search is on a skewed
 * multi-tenant data set, next to the reference design (seed 003's function on the same rows), a
 * bare HNSW query and the exact scan, all in one run. See SEARCH_ABOUT for what is measured;
 * the report is bench/results/search.md.
 */
import type postgres from "postgres";
import { defineBenchmark } from "../harness/benchmark.ts";
import { loadAverage, machineFacts, measuringConditions } from "../harness/machine-facts.ts";
import { startPgragServer } from "../harness/pgrag-server.ts";
import { readSciFact } from "../harness/scifact-files.ts";
import { mean } from "../harness/statistics.ts";
import { formatInt } from "../harness/markdown.ts";
import { issueTenantKey } from "../harness/tenants.ts";
import { planDataSet, type SearchDataSet, type SearchDataShape, streamRandom } from "./data.ts";
import { prepareSearchDatabase } from "./database.ts";
import { type CaseQueries, measureCase, type MethodResult } from "./measure.ts";
import {
  nearest,
  pgragHttp,
  pgragSql,
  type SearchCase,
  type SearchMethod,
  seed003,
} from "./methods.ts";
import { searchCli, type SearchOptions } from "./options.ts";
import { makeQueries } from "./queries.ts";
import { type CaseResult, renderSearchReport } from "./report.ts";
import type { TenantPlan } from "./tenant-plan.ts";

const TARGET_RECALL = 0.95;
/** The 1%-selective filter: every chunk has metadata {"bucket": number % 100, ...}. */
const BUCKET_FILTER = { bucket: 7 };
/** Query streams start here, after the data set's (see data.ts). */
const QUERY_STREAM = 8;

function dataShape(options: SearchOptions): SearchDataShape {
  return {
    chunks: options.chunks,
    tenants: 100,
    largestShare: 0.3,
    chunksPerTopic: 100,
    topicsPerField: 25,
    chunksPerDocument: 10,
    buckets: 100,
    dimension: 1536,
    seed: 20261120,
  };
}

export const search = defineBenchmark<SearchOptions>({
  name: "search",
  ...searchCli,
  async measure(options, run) {
    const scifact = await readSciFact(options.dataDir);
    const data = planDataSet(dataShape(options), scifact.corpus);
    const database = await prepareSearchDatabase(run, data, scifact.corpusSha256, options);

    // No prepared statements, as pgrag's server: see methods.ts.
    const sql = run.connect(database.url, { prepare: false });
    const httpServer = startPgragServer(database.url, data.shape.dimension);
    run.closeAtEnd(() => httpServer.close());

    const facts = await machineFacts(sql);
    const loadBefore = await loadAverage();
    const tenants = [data.tenants[0], smallTenant(data)];
    const apiKeys = new Map<string, string>();
    for (const tenant of tenants) {
      apiKeys.set(tenant.id, await issueTenantKey(sql, tenant.id, "bench-search", "reader"));
    }
    const methods: SearchMethod[] = [
      pgragHttp(httpServer, "hybrid"),
      pgragSql(sql, "hybrid"),
      pgragSql(sql, "vector"),
      pgragSql(sql, "keyword"),
      seed003(sql, options.seedQueries),
      nearest(sql, false),
      nearest(sql, true),
    ];
    const cases = await measureCases(sql, data, options, methods, tenants, apiKeys, run.progress);
    const settings = await measuringConditions(sql, loadBefore);
    const markdown = renderSearchReport({ facts, settings, options, data, database, cases });
    return { markdown, partial: options.quick };
  },
});

/**
 * Every case, a tenant with and without the filter, on all methods; the large tenant's cases
 * again at the higher ef_search when recall at the first fell short.
 */
async function measureCases(
  sql: postgres.Sql,
  data: SearchDataSet,
  options: SearchOptions,
  methods: readonly SearchMethod[],
  tenants: readonly TenantPlan[],
  apiKeys: ReadonlyMap<string, string>,
  progress: (message: string) => void,
): Promise<CaseResult[]> {
  const cases: CaseResult[] = [];
  for (const [t, tenant] of tenants.entries()) {
    for (const [f, metadata] of [null, BUCKET_FILTER].entries()) {
      const c: SearchCase = {
        tenantId: tenant.id,
        apiKey: apiKeys.get(tenant.id)!,
        filter: metadata && { metadata },
        topK: options.topK,
      };
      const label = `${tenantLabel(tenant, data)}, ${metadata ? "filter bucket 7" : "no filter"}`;
      progress(`${label}: making queries and their exact answers`);
      const stream = QUERY_STREAM + 2 * t + f;
      const queries = await caseQueries(sql, data, c, metadata, options, stream);
      progress(`${label}: measuring ${methods.length} methods at ef_search ${options.efSearch}`);
      const results = await measureCase(c, queries, methods, options.efSearch);
      if (tenant.number === 0 && recallShort(results)) {
        progress(`${label}: recall short, again at ef_search ${options.highEfSearch}`);
        const again = methods.filter((method) => method.usesEfSearch);
        results.push(...await measureCase(c, queries, again, options.highEfSearch));
      }
      cases.push({ label, results });
    }
  }
  return cases;
}

/** The tenant nearest half a percent of the chunks: well inside the long tail under 1%. */
function smallTenant(data: SearchDataSet): TenantPlan {
  const wanted = data.shape.chunks * 0.005;
  return data.tenants.reduce((best, tenant) =>
    Math.abs(tenant.chunks - wanted) < Math.abs(best.chunks - wanted) ? tenant : best
  );
}

function tenantLabel(tenant: TenantPlan, data: SearchDataSet): string {
  const share = (100 * tenant.chunks) / data.shape.chunks;
  const size = `${formatInt(tenant.chunks)} chunks, ${Number(share.toPrecision(2))}%`;
  return `${tenant.number === 0 ? "large" : "small"} tenant (${size})`;
}

/** Warm-up and measured queries of a case, and the exact scan's answer to each measured one. */
async function caseQueries(
  sql: postgres.Sql,
  data: SearchDataSet,
  c: SearchCase,
  metadata: Record<string, number> | null,
  options: SearchOptions,
  stream: number,
): Promise<CaseQueries> {
  const random = streamRandom(data.shape.seed, stream);
  const all = await makeQueries(
    sql,
    data,
    c.tenantId,
    metadata,
    options.warmup + options.queries,
    random,
  );
  const exact = nearest(sql, true);
  const measured = all.slice(options.warmup);
  const truth = [];
  for (const query of measured) truth.push(await exact.search(c, query, options.efSearch));
  return { warmup: all.slice(0, options.warmup), measured, truth };
}

/** Whether pgrag's vector mode or the bare HNSW query missed the recall target. */
function recallShort(results: readonly MethodResult[]): boolean {
  return results.some((r) =>
    (r.method.id === "pgrag-sql-vector" || r.method.id === "bare-hnsw") &&
    mean(r.recalls) < TARGET_RECALL
  );
}
