/**
 * `deno task bench graph`: pgrag's plain-table knowledge graph against Apache AGE driven the way
 * LightRAG's PGGraphStorage drives it, on the same generated graph in one database, in one run.
 * See GRAPH_ABOUT for what is measured; the report is bench/results/graph.md, its numbers
 * graph.json.
 */
import { defineBenchmark } from "../harness/benchmark.ts";
import { connect } from "../harness/databases.ts";
import { loadAverage, machineFacts, measuringConditions } from "../harness/machine-facts.ts";
import { percentile } from "../harness/statistics.ts";
import { AgeClient, AS_LIGHTRAG, GRAPH, TUNED } from "./age/client.ts";
import { LightragAgeStorage } from "./age/storage.ts";
import { readCases } from "./cases.ts";
import { generateGraph, pickSamples } from "./data.ts";
import { prepareGraphDatabase } from "./database.ts";
import { measureSides, measureUpserts } from "./measure.ts";
import { graphCli, type GraphOptions, UPSERT_BATCH } from "./options.ts";
import { PgragGraph } from "./pgrag.ts";
import { renderGraphReport } from "./report.ts";
import { type CaseResult, type Counts, graphJson } from "./results.ts";
import { makeUpsertSet } from "./upserts.ts";

const PRELUDE_SAMPLES = 50;

export const graph = defineBenchmark<GraphOptions>({
  name: "graph",
  ...graphCli,
  async measure(options, run) {
    run.progress(`generating ${options.entities} entities and ${options.relations} relations`);
    const data = generateGraph(options.entities, options.relations);
    const samples = pickSamples(data, options.samples);
    const upserts = makeUpsertSet(data, options.upserts);
    const database = await prepareGraphDatabase(run, data, options);

    // No prepared statements, as pgrag's server: see pgrag.ts.
    const sql = run.connect(database.url, { prepare: false });
    const timeoutMs = options.ageTimeoutSeconds * 1000;
    const asLightrag = await AgeClient.connect(database.url, AS_LIGHTRAG, timeoutMs);
    run.closeAtEnd(() => asLightrag.end());
    // Tuned AGE reads and writes its own copy, so its upserts start from the same graph.
    const tuned = await AgeClient.connect(database.tunedUrl, TUNED, timeoutMs);
    run.closeAtEnd(() => tuned.end());

    const facts = await machineFacts(sql);
    const loadBefore = await loadAverage();
    const pgrag = new PgragGraph(sql, database.tenantId);
    const storages = [new LightragAgeStorage(asLightrag), new LightragAgeStorage(tuned)] as const;
    const loaded = await counts(database.url);
    const preludeMs = await timePrelude(asLightrag);
    const cases: CaseResult[] = [];
    for (const c of readCases(pgrag, storages, samples)) {
      run.progress(`${c.label}: ${c.samples.length} samples`);
      const results = await measureSides([c.pgrag, ...c.age], c.samples, options.warmup);
      cases.push({ case: c, results });
    }
    const agePerBatch = Math.ceil(options.ageUpserts / (options.upserts / UPSERT_BATCH));
    run.progress(`upserting ${options.upserts} relations (AGE: ${agePerBatch} per batch)`);
    const upsertTimings = await measureUpserts(
      pgrag,
      storages,
      upserts.relations,
      agePerBatch,
      run.progress,
    );
    const afterUpserts = [await counts(database.url), await counts(database.tunedUrl)] as const;
    const input = {
      facts,
      settings: await measuringConditions(sql, loadBefore),
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
    return {
      markdown: renderGraphReport(input),
      partial: options.quick,
      json: graphJson(input),
    };
  },
});

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

async function ageVersion(sql: ReturnType<typeof connect>): Promise<string> {
  const [row] = await sql`select extversion from pg_extension where extname = 'age'`;
  return row?.extversion ?? "not installed";
}
