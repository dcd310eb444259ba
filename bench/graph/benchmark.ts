/**
 * `deno task bench graph`: pgrag's plain-table knowledge graph against Apache AGE driven the way
 * LightRAG's PGGraphStorage drives it, on the same generated graph in one database, in one run.
 * See GRAPH_HELP for what is measured; results go to stdout and bench/results/graph.md and
 * graph.json (graph-quick.md for --quick).
 */
import postgres from "postgres";
import { benchServerUrl, connect, connectToServer } from "../harness/databases.ts";
import { AgeClient, AS_LIGHTRAG, GRAPH, TUNED } from "./age/client.ts";
import { LightragAgeStorage } from "./age/storage.ts";
import { readCases } from "./cases.ts";
import { DATA_VERSION, generateGraph, pickSamples } from "./data.ts";
import { prepareGraphDatabase } from "./database.ts";
import { measureSides, measureUpserts } from "./measure.ts";
import { GRAPH_HELP, parseGraphOptions, UPSERT_BATCH } from "./options.ts";
import { PgragGraph } from "./pgrag.ts";
import { renderGraphReport } from "./report.ts";
import { type CaseResult, type Counts, graphJson } from "./results.ts";
import { makeUpsertSet } from "./upserts.ts";
import { machineFacts } from "../harness/machine-facts.ts";
import { writeResults } from "../harness/results-file.ts";
import { percentile } from "../search/measure.ts";

const PRELUDE_SAMPLES = 50;

function progress(message: string): void {
  console.error(`[graph] ${message}`);
}

export async function run(args: string[]): Promise<void> {
  const options = parseGraphOptions(args);
  if (options.help) {
    console.log(GRAPH_HELP);
    return;
  }
  progress(`generating ${options.entities} entities and ${options.relations} relations`);
  const data = generateGraph(options.entities, options.relations);
  const samples = pickSamples(data, options.samples);
  const upserts = makeUpsertSet(data, options.upserts);
  const fingerprint = JSON.stringify({
    version: DATA_VERSION,
    entities: options.entities,
    relations: options.relations,
  });
  const serverUrl = benchServerUrl();
  const server = connectToServer(serverUrl);
  const database = await prepareGraphDatabase(server, serverUrl, data, {
    quick: options.quick,
    keep: options.keep,
    fingerprint,
    progress,
  }).finally(() => server.end({ timeout: 5 }));

  // No prepared statements, as pgrag's server: see pgrag.ts.
  const sql = postgres(database.url, { max: 1, prepare: false, onnotice: () => {} });
  const timeoutMs = options.ageTimeoutSeconds * 1000;
  const asLightrag = await AgeClient.connect(database.url, AS_LIGHTRAG, timeoutMs);
  // Tuned AGE reads and writes its own copy, so its upserts start from the same graph.
  const tuned = await AgeClient.connect(database.tunedUrl, TUNED, timeoutMs);
  try {
    const facts = await machineFacts(sql);
    const loadBefore = await loadAverage();
    const pgrag = new PgragGraph(sql, database.tenantId);
    const storages = [
      new LightragAgeStorage(asLightrag),
      new LightragAgeStorage(tuned),
    ] as const;
    const loaded = await counts(database.url);
    const preludeMs = await timePrelude(asLightrag);
    const cases: CaseResult[] = [];
    for (const c of readCases(pgrag, storages, samples)) {
      progress(`${c.label}: ${c.samples.length} samples`);
      const results = await measureSides([c.pgrag, ...c.age], c.samples, options.warmup);
      cases.push({ case: c, results });
    }
    const agePerBatch = Math.ceil(options.ageUpserts / (options.upserts / UPSERT_BATCH));
    progress(`upserting ${options.upserts} relations (AGE: ${agePerBatch} per batch)`);
    const upsertTimings = await measureUpserts(
      pgrag,
      storages,
      upserts.relations,
      agePerBatch,
      progress,
    );
    const afterUpserts = [await counts(database.url), await counts(database.tunedUrl)] as const;
    const settings = `${await serverSettings(sql)}; load average ${loadBefore} before ` +
      `measuring, ${await loadAverage()} after`;
    const input = {
      facts,
      settings,
      options,
      data,
      database,
      ageVersion: await ageVersion(sql),
      preludeMs,
      loaded,
      afterUpserts,
      cases,
      upserts,
      upsertTimings,
    };
    const file = await writeResults("graph", options.quick, renderGraphReport(input));
    if (!options.quick) {
      const json = new URL("graph.json", file);
      await Deno.writeTextFile(json, JSON.stringify(graphJson(input), null, 2) + "\n");
      progress(`written to ${json.pathname}`);
    }
    console.log(await Deno.readTextFile(file));
    progress(`written to ${file.pathname}`);
  } finally {
    await Promise.all([sql.end({ timeout: 5 }), asLightrag.end(), tuned.end()]);
  }
}

/** The two preludes LightRAG runs before every AGE call, alone: their p50. */
async function timePrelude(age: AgeClient): Promise<number> {
  const latencies = [];
  for (let i = 0; i < PRELUDE_SAMPLES; i++) {
    const started = performance.now();
    await age.prelude();
    latencies.push(performance.now() - started);
  }
  return percentile(latencies, 50);
}

/** Both sides' rows, to show that they hold the same graph before and after the upserts. */
async function counts(url: string): Promise<Counts> {
  const sql = connect(url);
  try {
    const [row] = await sql.unsafe(`
      select (select count(*)::integer from pgrag.entities) as pgrag_entities,
             (select count(*)::integer from pgrag.relations) as pgrag_relations,
             (select count(*)::integer from ${GRAPH}.base) as age_vertices,
             (select count(*)::integer from ${GRAPH}."DIRECTED") as age_edges`);
    return row as unknown as Counts;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function ageVersion(sql: postgres.Sql): Promise<string> {
  const [row] = await sql`select extversion from pg_extension where extname = 'age'`;
  return row?.extversion ?? "not installed";
}

/** The server settings that bear most on these latencies. */
async function serverSettings(sql: postgres.Sql): Promise<string> {
  const rows = await sql<{ name: string; setting: string }[]>`
    select name, current_setting(name) as setting
      from unnest(array['shared_buffers', 'work_mem', 'jit']) name`;
  return rows.map((row) => `${row.name} ${row.setting}`).join(", ");
}

/** The 1-minute load average: above the 2 cores, other processes competed with this run. */
async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  } catch {
    return "unknown";
  }
}
