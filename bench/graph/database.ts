/**
 * The graph benchmark's databases: `pgrag_graph_bench_loaded` holds the loaded graph, both ways
 * (one pgrag tenant, the graph written through upsert_entities and upsert_relations; the same
 * graph in AGE's graph `bench`). Every run measures on `pgrag_graph_bench`, a fresh file copy of
 * it, so the upserts a run times never leak into the next run's graph, and on
 * `pgrag_graph_bench_tuned`, a second copy where tuned AGE does the same upserts as AGE driven as
 * LightRAG (each starts from the same graph). The loaded database is rebuilt on every run unless
 * --keep finds it holding the same data set (harness/reusable-database.ts).
 */
import type postgres from "postgres";
import type { Run } from "../harness/benchmark.ts";
import { copyDatabase, dropDatabase } from "../harness/databases.ts";
import { prepareDatabase } from "../harness/reusable-database.ts";
import { createTenant } from "../harness/tenants.ts";
import { AgeClient, TUNED } from "./age/client.ts";
import { loadAgeGraph } from "./age/load.ts";
import { DATA_VERSION, type GraphData } from "./data.ts";
import { UPSERT_BATCH } from "./options.ts";
import { PgragGraph } from "./pgrag.ts";

/** Embeddings are not part of this benchmark: the smallest sensible dimension. */
const EMBEDDING_DIM = 8;

export interface LoadTimes {
  /** upsert_entities and upsert_relations in batches of 1,000, then VACUUM ANALYZE. */
  readonly pgragSeconds: number;
  /** Rows straight into AGE's tables, LightRAG's indexes, VACUUM ANALYZE. */
  readonly ageSeconds: number;
}

export interface GraphDatabase {
  readonly url: string;
  /** The second copy, for tuned AGE. */
  readonly tunedUrl: string;
  readonly tenantId: string;
  readonly load: LoadTimes;
  readonly reused: boolean;
}

interface Marker {
  readonly tenantId: string;
  readonly load: LoadTimes;
}

export async function prepareGraphDatabase(
  run: Run,
  data: GraphData,
  options: { readonly quick: boolean; readonly keep: boolean },
): Promise<GraphDatabase> {
  const [age] = await run.server`select 1 from pg_available_extensions where name = 'age'`;
  if (!age) throw new Error("the server has no age extension: run `deno task db:up`");
  const copy = options.quick ? "pgrag_graph_bench_quick" : "pgrag_graph_bench";
  const tunedCopy = `${copy}_tuned`;
  // The copies go first: a database cannot be rebuilt or copied while they are connected to it.
  for (const name of [copy, tunedCopy]) await dropDatabase(run.server, name);
  const loaded = await prepareDatabase<Marker>(run, {
    name: `${copy}_loaded`,
    embeddingDim: EMBEDDING_DIM,
    fingerprint: JSON.stringify({
      version: DATA_VERSION,
      entities: data.entities.length,
      relations: data.relations.length,
    }),
    reuse: options.keep,
    contents: `${data.entities.length} entities, ${data.relations.length} relations, both ways`,
    load: (sql, url) => loadBothWays(sql, url, data, run.progress),
  });
  return {
    url: await copyDatabase(run.server, run.serverUrl, loaded.name, copy),
    tunedUrl: await copyDatabase(run.server, run.serverUrl, loaded.name, tunedCopy),
    tenantId: loaded.marker.tenantId,
    load: loaded.marker.load,
    reused: loaded.reused,
  };
}

async function loadBothWays(
  sql: postgres.Sql,
  url: string,
  data: GraphData,
  progress: (message: string) => void,
): Promise<Marker> {
  const tenantId = await createTenant(sql, { name: "Graph benchmark", slug: "graph-bench" });
  const pgrag = new PgragGraph(sql, tenantId);
  const started = performance.now();
  for (let i = 0; i < data.entities.length; i += UPSERT_BATCH) {
    await pgrag.upsertEntities(data.entities.slice(i, i + UPSERT_BATCH));
  }
  for (let i = 0; i < data.relations.length; i += UPSERT_BATCH) {
    await pgrag.upsertRelations(data.relations.slice(i, i + UPSERT_BATCH));
    if ((i / UPSERT_BATCH) % 25 === 24) progress(`  pgrag: ${i + UPSERT_BATCH} relations`);
  }
  await sql`vacuum analyze pgrag.entities, pgrag.relations`;
  const pgragSeconds = (performance.now() - started) / 1000;
  progress(`pgrag loaded in ${pgragSeconds.toFixed(0)} s; loading AGE`);

  await sql`create extension age`;
  const age = await AgeClient.connect(url, TUNED);
  const ageSeconds = await loadAgeGraph(age, data).finally(() => age.end());
  progress(`AGE loaded and indexed in ${ageSeconds.toFixed(0)} s`);
  return { tenantId, load: { pgragSeconds, ageSeconds } };
}
