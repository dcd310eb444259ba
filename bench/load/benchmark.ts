/**
 * `deno task bench load`: pgrag's server under a mixed search and ingest load at rising
 * concurrency and in a soak, on the local PostgreSQL 17. The server runs as `deno task start`
 * does, in a process of its own, against a database of its own; see LoadOptions for the levels
 * and mix.ts for the requests. The report is bench/results/load.md, its numbers load.json.
 */
import { parseConfig } from "../../shared/config.ts";
import type postgres from "postgres";
import { defineBenchmark } from "../harness/benchmark.ts";
import { createMigratedDatabase, dropDatabase } from "../harness/databases.ts";
import { loadAverage, machineFacts, measuringConditions } from "../harness/machine-facts.ts";
import { buildVectorIndex, dropVectorIndex } from "../harness/vector-index.ts";
import { preload } from "../ingest/preload.ts";
import { createTenantThroughAdminApi, type LoadTenant } from "./admin-setup.ts";
import { requestDeadlineMs } from "./deadline.ts";
import { type LevelPlan, runLevel } from "./drive.ts";
import { INGEST_ID_PREFIX, mixRequests, type MixShape, SEARCH_PATH } from "./mix.ts";
import { loadCli, type LoadOptions } from "./options.ts";
import { loadJson, type LoadReportInput, renderLoadReport } from "./report.ts";
import { type LevelSummary, type ResidentSample, soakMinutes, summarizeLevel } from "./results.ts";
import { type ServerProcess, startServerProcess } from "./server-process.ts";
import { waitUntilIdle } from "./settle.ts";

const DATABASE = "pgrag_bench_load";
/** Small enough that the corpus loads in seconds and a request's vectors stay a few KB. */
const EMBEDDING_DIM = 384;
const CORPUS_SEED = 7_000;
const CORPUS_CHUNKS_PER_DOCUMENT = 10;
const MIX: MixShape = { dimension: EMBEDDING_DIM, topK: 10, variants: 256, chunksPerIngest: 2 };
const WARMUP_CONNECTIONS = 10;
/** Without a server deadline, a request unanswered this long counts as hung. */
const NO_DEADLINE_TIMEOUT_SECONDS = 60;
/** With one, the client waits this much longer, so an answer past the deadline is still seen. */
const DEADLINE_GRACE_SECONDS = 10;
const RESIDENT_SAMPLE_MS = 5_000;

export const load = defineBenchmark<LoadOptions>({
  name: "load",
  ...loadCli,
  async measure(options, run) {
    run.progress(`creating ${DATABASE}`);
    const url = await createMigratedDatabase(run.server, run.serverUrl, DATABASE, EMBEDDING_DIM);
    run.closeAtEnd(() => dropDatabase(run.server, DATABASE));
    const sql = run.connect(url);

    const adminKey = `bench-load-${crypto.randomUUID()}`;
    const serverEnv = {
      DATABASE_URL: url,
      PGRAG_EMBEDDING_DIM: String(EMBEDDING_DIM),
      PGRAG_ADMIN_KEY: adminKey,
    };
    const effectiveEnv = { ...Deno.env.toObject(), ...serverEnv };
    const config = parseConfig(effectiveEnv);
    const deadlineMs = requestDeadlineMs(effectiveEnv);
    const server = await startServerProcess(serverEnv);
    run.closeAtEnd(() => server.stop());
    const residentAtStartKiB = await server.residentKiB();
    run.progress(`server ${server.pid} on ${server.origin}; deadline ${deadlineMs ?? "none"}`);

    const tenant = await createTenantThroughAdminApi(server.origin, adminKey);
    run.progress(`preloading ${options.corpusChunks} chunks`);
    await preloadCorpus(sql, tenant, options.corpusChunks);
    await checkSearch(server, tenant);

    const facts = await machineFacts(sql);
    const loadBefore = await loadAverage();
    const requests = mixRequests(MIX);
    const timeoutSeconds = deadlineMs === undefined
      ? NO_DEADLINE_TIMEOUT_SECONDS
      : Math.ceil(deadlineMs / 1000) + DEADLINE_GRACE_SECONDS;
    const plan = (connections: number, seconds: number): LevelPlan => ({
      origin: server.origin,
      apiKey: tenant.apiKey,
      connections,
      seconds,
      timeoutSeconds,
      requests,
    });
    const level = async (label: string, connections: number, seconds: number) => {
      run.progress(`${label}: ${connections} connections for ${seconds} s`);
      const result = await runLevel(plan(connections, seconds));
      server.assertRunning();
      const summary = summarizeLevel(label, result, deadlineMs, await server.residentKiB());
      const settled = await waitUntilIdle(run.server, DATABASE);
      run.progress(
        `  ${summary.answeredPerSecond.toFixed(0)} answers/s, ` +
          `p99 ${summary.latency.all.p99.toFixed(0)} ms, longest ${
            summary.longestMs.toFixed(0)
          } ms; ` +
          `settled in ${settled.toFixed(1)} s`,
      );
      return { result, summary };
    };

    await level("warm-up", WARMUP_CONNECTIONS, options.warmupSeconds);
    const residentBeforeLevelsKiB = await server.residentKiB();
    const levels: LevelSummary[] = [];
    levels.push(
      (await level("baseline", options.baselineConnections, options.levelSeconds)).summary,
    );
    for (const connections of options.levels) {
      levels.push((await level(`${connections}`, connections, options.levelSeconds)).summary);
    }

    const residentBeforeSoakKiB = await server.residentKiB();
    const samples = sampleResidentMemory(server);
    const soak = await level("soak", options.soakConnections, options.soakSeconds);
    const residentSamples = samples.stop();
    const residentAfterSoakKiB = soak.summary.residentKiBAfter;
    const residentSettledKiB = await server.residentKiB();
    const conditions = await measuringConditions(sql, loadBefore);
    const stored = await storedIngests(sql, tenant);

    const input: LoadReportInput = {
      facts,
      conditions,
      options,
      mix: MIX,
      corpusChunks: options.corpusChunks,
      server: {
        command: server.command,
        maxConnections: config.maxConnections,
        deadlineMs,
        timeoutSeconds,
        logEvents: Object.fromEntries(server.logEvents()),
        otherOutput: server.otherOutput(),
      },
      levels,
      soak: {
        summary: soak.summary,
        minutes: soakMinutes(soak.result, residentSamples),
        residentSamples,
      },
      resident: {
        atStartKiB: residentAtStartKiB,
        beforeLevelsKiB: residentBeforeLevelsKiB,
        beforeSoakKiB: residentBeforeSoakKiB,
        afterSoakKiB: residentAfterSoakKiB,
        settledKiB: residentSettledKiB,
      },
      ingests: {
        stored,
        acknowledged: [...levels, soak.summary].reduce(
          (sum, level) => sum + level.latency.ingest.count,
          0,
        ),
      },
    };
    return {
      markdown: renderLoadReport(input),
      json: loadJson(input),
      partial: options.quick || !coversIssue(options),
    };
  },
});

/** Only a run of the issue's levels and soak writes the committed load.md. */
function coversIssue(options: LoadOptions): boolean {
  return options.levels.join() === "10,50,200,500" && options.levelSeconds >= 30 &&
    options.soakSeconds >= 300;
}

/**
 * The corpus the searches run over, written as pgrag writes (harness/write-documents.ts) with
 * the HNSW index built once afterwards, and analysed, so the planner knows the table's size.
 */
async function preloadCorpus(sql: postgres.Sql, tenant: LoadTenant, chunks: number) {
  const index = await dropVectorIndex(sql);
  await preload(sql, tenant.tenantId, {
    chunks,
    chunksPerDocument: CORPUS_CHUNKS_PER_DOCUMENT,
    dimension: EMBEDDING_DIM,
    seed: CORPUS_SEED,
  });
  await buildVectorIndex(sql, index);
  await sql`vacuum analyze pgrag.chunks, pgrag.documents`;
}

/** One search of the mix before the load: it must find top_k chunks, or the load measures nothing. */
async function checkSearch(server: ServerProcess, tenant: LoadTenant) {
  const response = await fetch(server.origin + SEARCH_PATH, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": tenant.apiKey },
    body: JSON.stringify({ query: "the system stores data", mode: "keyword", top_k: MIX.topK }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  if (response.status !== 200 || body.results?.length !== MIX.topK) {
    throw new Error(`a search answered ${response.status}: ${JSON.stringify(body)}`);
  }
}

/** Documents the load wrote, to set against the ingests the server acknowledged. */
async function storedIngests(sql: postgres.Sql, tenant: LoadTenant): Promise<number> {
  const [{ count }] = await sql<{ count: number }[]>`
    select count(*)::int as count
      from pgrag.documents
     where tenant_id = ${tenant.tenantId} and id like ${INGEST_ID_PREFIX + "%"}`;
  return count;
}

/** The server's VmRSS every few seconds until stopped. */
function sampleResidentMemory(server: ServerProcess) {
  const started = performance.now();
  const samples: ResidentSample[] = [];
  const take = () =>
    server.residentKiB().then(
      (kiB) => samples.push({ at: performance.now() - started, kiB }),
      () => {},
    );
  const timer = setInterval(take, RESIDENT_SAMPLE_MS);
  take();
  return {
    stop(): ResidentSample[] {
      clearInterval(timer);
      return samples;
    },
  };
}
