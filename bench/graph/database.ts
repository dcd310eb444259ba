/**
 * The graph benchmark's databases: `pgrag_graph_bench_loaded` holds the loaded graph, both ways
 * (pgrag migrated with the project's own runner, one tenant, the graph written through
 * upsert_entities and upsert_relations; the same graph in AGE's graph `bench`); every run
 * measures on `pgrag_graph_bench`, a fresh file copy of it, so the upserts a run times never
 * leak into the next run's graph, and on `pgrag_graph_bench_tuned`, a second copy where tuned
 * AGE does the same upserts as AGE driven as LightRAG (each starts from the same graph). The loaded database is rebuilt on every run, unless --keep
 * finds it holding the same data set with migrations that still apply (the runner refuses a
 * database whose applied migration has since been edited).
 */
import type postgres from "postgres";
import { MigrationError } from "../../shared/db/migrations.ts";
import { connect, migrateDatabase, withDatabase } from "../harness/databases.ts";
import { AgeClient, TUNED } from "./age/client.ts";
import { loadAgeGraph } from "./age/load.ts";
import type { GraphData } from "./data.ts";
import { PgragGraph } from "./pgrag.ts";
import { UPSERT_BATCH } from "./options.ts";

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

interface Options {
  readonly quick: boolean;
  readonly keep: boolean;
  readonly fingerprint: string;
  readonly progress: (message: string) => void;
}

interface Marker {
  readonly fingerprint: string;
  readonly tenant_id: string;
  readonly load: LoadTimes;
}

export async function prepareGraphDatabase(
  server: postgres.Sql,
  serverUrl: string,
  data: GraphData,
  options: Options,
): Promise<GraphDatabase> {
  const [age] = await server`select 1 from pg_available_extensions where name = 'age'`;
  if (!age) throw new Error("the server has no age extension: run `deno task db:up`");
  const loaded = options.quick ? "pgrag_graph_bench_quick_loaded" : "pgrag_graph_bench_loaded";
  const run = options.quick ? "pgrag_graph_bench_quick" : "pgrag_graph_bench";
  const tuned = `${run}_tuned`;
  const loadedUrl = withDatabase(serverUrl, loaded);
  for (const copy of [run, tuned]) {
    await server`drop database if exists ${server(copy)} with (force)`;
  }
  let marker = options.keep ? await reusableMarker(server, loaded, loadedUrl, options) : undefined;
  const reused = marker !== undefined;
  if (!marker) {
    options.progress(
      `building ${loaded}: ${data.entities.length} entities, ` +
        `${data.relations.length} relations, both ways`,
    );
    await server`drop database if exists ${server(loaded)} with (force)`;
    await server`create database ${server(loaded)}`;
    marker = await loadBothWays(loadedUrl, data, options);
  }
  for (const copy of [run, tuned]) {
    await server`create database ${server(copy)} template ${server(loaded)} strategy file_copy`;
  }
  return {
    url: withDatabase(serverUrl, run),
    tunedUrl: withDatabase(serverUrl, tuned),
    tenantId: marker.tenant_id,
    load: marker.load,
    reused,
  };
}

async function reusableMarker(
  server: postgres.Sql,
  name: string,
  url: string,
  options: Options,
): Promise<Marker | undefined> {
  if ((await server`select 1 from pg_database where datname = ${name}`).length === 0) return;
  try {
    await migrateDatabase(url, EMBEDDING_DIM);
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    options.progress(`rebuilding: ${error.message}`);
    return;
  }
  const sql = connect(url);
  try {
    const [{ table }] = await sql`select to_regclass('public.graph_bench_load')::text as table`;
    const [marker] = table === null
      ? []
      : await sql<Marker[]>`select fingerprint, tenant_id, load from public.graph_bench_load`;
    if (marker?.fingerprint !== options.fingerprint) {
      options.progress("rebuilding: the database holds another data set or an incomplete load");
      return;
    }
    options.progress(`reusing ${name} (--keep)`);
    return marker;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function loadBothWays(url: string, data: GraphData, options: Options): Promise<Marker> {
  await migrateDatabase(url, EMBEDDING_DIM);
  const sql = connect(url);
  try {
    const [tenant] = await sql<{ id: string }[]>`
      insert into pgrag.tenants (name, slug) values ('Graph benchmark', 'graph-bench')
      returning id`;
    const pgrag = new PgragGraph(sql, tenant.id);
    const started = performance.now();
    for (let i = 0; i < data.entities.length; i += UPSERT_BATCH) {
      await pgrag.upsertEntities(data.entities.slice(i, i + UPSERT_BATCH));
    }
    for (let i = 0; i < data.relations.length; i += UPSERT_BATCH) {
      await pgrag.upsertRelations(data.relations.slice(i, i + UPSERT_BATCH));
      if ((i / UPSERT_BATCH) % 25 === 24) {
        options.progress(`  pgrag: ${i + UPSERT_BATCH} relations`);
      }
    }
    await sql`vacuum analyze pgrag.entities, pgrag.relations`;
    const pgragSeconds = (performance.now() - started) / 1000;
    options.progress(`pgrag loaded in ${pgragSeconds.toFixed(0)} s; loading AGE`);

    await sql`create extension age`;
    const age = await AgeClient.connect(url, TUNED);
    const ageSeconds = await loadAgeGraph(age, data).finally(() => age.end());
    options.progress(`AGE loaded and indexed in ${ageSeconds.toFixed(0)} s`);
    const load = { pgragSeconds, ageSeconds };
    // Written last, so an interrupted load is never taken for a complete one.
    await sql`
      create table public.graph_bench_load (fingerprint text, tenant_id uuid, load jsonb)`;
    await sql`
      insert into public.graph_bench_load
      values (${options.fingerprint}, ${tenant.id}, ${sql.json({ ...load })})`;
    return { fingerprint: options.fingerprint, tenant_id: tenant.id, load };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
