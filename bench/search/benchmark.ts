/**
 * `deno task bench search`: how fast and how complete pgrag's hybrid search is on a skewed
 * multi-tenant data set, next to the reference design (seed 003's function on the same rows), a
 * bare HNSW query and the exact scan, all in one run. See SEARCH_HELP for what is measured;
 * results go to stdout and bench/results/search.md (search-quick.md for --quick).
 */
import postgres from "postgres";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { benchServerUrl, connectToServer } from "../harness/databases.ts";
import { machineFacts } from "../harness/machine-facts.ts";
import { startPgragServer } from "../harness/pgrag-server.ts";
import { writeResults } from "../harness/results-file.ts";
import { DEFAULT_SCIFACT_DIR, readSciFact } from "../harness/scifact-files.ts";
import {
  DATA_VERSION,
  planDataSet,
  type SearchDataSet,
  type SearchDataShape,
  streamRandom,
} from "./data.ts";
import { prepareSearchDatabase } from "./database.ts";
import { type CaseQueries, mean, measureCase, type MethodResult } from "./measure.ts";
import {
  nearest,
  pgragHttp,
  pgragSql,
  type SearchCase,
  type SearchMethod,
  seed003,
} from "./methods.ts";
import { parseSearchOptions, SEARCH_HELP, type SearchOptions } from "./options.ts";
import { makeQueries } from "./queries.ts";
import { type CaseResult, renderSearchReport } from "./report.ts";
import type { TenantPlan } from "./tenants.ts";
import { formatInt } from "../harness/table.ts";

const TARGET_RECALL = 0.95;
/** The 1%-selective filter: every chunk has metadata {"bucket": number % 100, ...}. */
const BUCKET_FILTER = { bucket: 7 };
/** Query streams start here, after the data set's (see data.ts). */
const QUERY_STREAM = 8;

function progress(message: string): void {
  console.error(`[search] ${message}`);
}

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

export async function run(args: string[]): Promise<void> {
  const options = parseSearchOptions(args);
  if (options.help) {
    console.log(SEARCH_HELP);
    return;
  }
  const scifact = await readSciFact(DEFAULT_SCIFACT_DIR);
  const data = planDataSet(dataShape(options), scifact.corpus);
  const fingerprint = JSON.stringify({
    version: DATA_VERSION,
    shape: data.shape,
    corpus: scifact.corpusSha256,
  });
  const serverUrl = benchServerUrl();
  const server = connectToServer(serverUrl);
  const database = await prepareSearchDatabase(server, serverUrl, data, {
    quick: options.quick,
    rebuild: options.rebuild,
    fingerprint,
    progress,
  }).finally(() => server.end({ timeout: 5 }));

  // No prepared statements, as pgrag's server: see methods.ts.
  const sql = postgres(database.url, { max: 1, prepare: false, onnotice: () => {} });
  const httpServer = startPgragServer(database.url, data.shape.dimension);
  try {
    const facts = await machineFacts(sql);
    const loadBefore = await loadAverage();
    const large = data.tenants[0];
    const small = smallTenant(data);
    const apiKeys = await issueReaderKeys(sql, [large, small]);
    const notes: string[] = [];
    const http = await routeAnswers(httpServer.origin, apiKeys.get(large.id)!);
    if (!http) notes.push("POST /rag/v1/search answered 404: the HTTP row is missing.");
    const methods: SearchMethod[] = [
      ...(http ? [pgragHttp(httpServer.origin, "hybrid")] : []),
      pgragSql(sql, "hybrid"),
      pgragSql(sql, "vector"),
      pgragSql(sql, "keyword"),
      seed003(sql, options.seedQueries),
      nearest(sql, false),
      nearest(sql, true),
    ];
    const cases = await measureCases(sql, data, options, methods, [large, small], apiKeys);
    const settings = `${await serverSettings(sql)}; load average ${loadBefore} before ` +
      `measuring, ${await loadAverage()} after`;
    const report = renderSearchReport({ facts, settings, options, data, database, cases, notes });
    const file = await writeResults("search", options.quick, report);
    console.log(await Deno.readTextFile(file));
    progress(`written to ${file.pathname}`);
  } finally {
    await httpServer.close();
    await sql.end({ timeout: 5 });
  }
}

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

/** A fresh reader key per measured tenant; the previous run's keys are deleted first. */
async function issueReaderKeys(
  sql: postgres.Sql,
  tenants: readonly TenantPlan[],
): Promise<Map<string, string>> {
  await sql`delete from pgrag.api_keys where name = 'bench-search'`;
  const keys = new Map<string, string>();
  for (const tenant of tenants) {
    const issued = await issueApiKey();
    await sql`
      insert into pgrag.api_keys (tenant_id, name, role, prefix, key_hash)
      values (${tenant.id}, 'bench-search', 'reader', ${issued.prefix},
              decode(${issued.hash}, 'hex'))`;
    keys.set(tenant.id, issued.key);
  }
  return keys;
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

/** Whether pgrag's app serves the search route (it is a 404 until the route exists). */
async function routeAnswers(origin: string, apiKey: string): Promise<boolean> {
  const response = await fetch(`${origin}/rag/v1/search`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": apiKey },
    body: "{}",
  });
  await response.body?.cancel();
  return response.status !== 404;
}

/** The server settings that bear most on these latencies. */
async function serverSettings(sql: postgres.Sql): Promise<string> {
  const rows = await sql<{ name: string; setting: string }[]>`
    select name, current_setting(name) as setting
      from unnest(array['shared_buffers', 'work_mem', 'jit']) name`;
  return rows.map((row) => `${row.name} ${row.setting}`).join(", ");
}

/**
 * The 1-minute load average: above the 2 cores, other processes competed with this run, which
 * inflates every latency (ratios measured in the same run stay comparable).
 */
async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  } catch {
    return "unknown";
  }
}
