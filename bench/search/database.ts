/**
 * The search benchmark's database on the server (`pgrag_bench_search`, or
 * `pgrag_bench_search_quick` for --quick, so a smoke run never throws away the full data set):
 * migrated with the project's runner, holding the generated tenants, documents and chunks in
 * pgrag's tables and the same rows in the seed's schema. Loading 100,000 chunks and building the
 * indexes takes minutes, so a run reuses the database when its marker names the same data set
 * and its migrations are current; it is rebuilt on --rebuild, on another data set, or when a
 * migration it was built with has since been edited (the runner refuses such a database).
 */
import type postgres from "postgres";
import { MigrationError } from "../../shared/db/migrations.ts";
import { vectorLiteral } from "../../shared/vector-text.ts";
import { connect, migrateDatabase, withDatabase } from "../harness/databases.ts";
import { copyIn, copyLine, lazyLines } from "../harness/copy-stream.ts";
import { type GeneratedDocument, generateDocuments, type SearchDataSet } from "./data.ts";
import { createSeed003 } from "./seed003.ts";
import { setVectorIndex } from "../harness/vector-index.ts";

const DOCUMENTS_PER_COPY = 500;

export interface LoadTimes {
  /** Generating and copying the rows, with the HNSW index absent. */
  readonly copySeconds: number;
  readonly hnswSeconds: number;
  /** Filling the seed's table and building its indexes. */
  readonly seedSeconds: number;
  readonly vacuumSeconds: number;
}

export interface SearchDatabase {
  readonly name: string;
  readonly url: string;
  /** How long loading took when the database was built (maybe in an earlier run). */
  readonly load: LoadTimes;
  readonly reused: boolean;
}

interface Options {
  readonly quick: boolean;
  readonly rebuild: boolean;
  /** Which data set the database must hold: the shape, version and corpus hash. */
  readonly fingerprint: string;
  readonly progress: (message: string) => void;
}

export async function prepareSearchDatabase(
  server: postgres.Sql,
  serverUrl: string,
  data: SearchDataSet,
  options: Options,
): Promise<SearchDatabase> {
  const name = options.quick ? "pgrag_bench_search_quick" : "pgrag_bench_search";
  const url = withDatabase(serverUrl, name);
  const exists = (await server`select 1 from pg_database where datname = ${name}`).length > 0;
  if (exists && !options.rebuild) {
    const load = await reusableLoad(url, data, options);
    if (load) return { name, url, load, reused: true };
  }
  options.progress(
    `building ${name}: ${data.shape.chunks} chunks in ${data.tenants.length} tenants`,
  );
  await server`drop database if exists ${server(name)} with (force)`;
  await server`create database ${server(name)}`;
  await migrateDatabase(url, data.shape.dimension);
  const sql = connect(url);
  try {
    const load = await loadDataSet(sql, data, options.progress);
    // Written last, so an interrupted load is never taken for a complete one.
    await sql`create table public.search_bench_load (fingerprint text not null, load jsonb not null)`;
    await sql`
      insert into public.search_bench_load
      values (${options.fingerprint}, ${sql.json({ ...load })})`;
    return { name, url, load, reused: false };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Applies pending migrations (a new search function arrives this way) and returns the stored
 * load times when the database holds exactly this data set; undefined when it must be rebuilt.
 */
async function reusableLoad(
  url: string,
  data: SearchDataSet,
  options: Options,
): Promise<LoadTimes | undefined> {
  try {
    await migrateDatabase(url, data.shape.dimension);
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    options.progress(`rebuilding: ${error.message}`);
    return undefined;
  }
  const sql = connect(url);
  try {
    const [{ marker }] = await sql<{ marker: string | null }[]>`
      select to_regclass('public.search_bench_load')::text as marker`;
    const [stored] = marker === null ? [] : await sql<{ fingerprint: string; load: LoadTimes }[]>`
      select fingerprint, load from public.search_bench_load`;
    if (stored?.fingerprint !== options.fingerprint) {
      options.progress("rebuilding: the database holds another data set or an incomplete load");
      return undefined;
    }
    const [counts] = await sql<{ pgrag: number; seed: number }[]>`
      select (select count(*)::integer from pgrag.chunks) as pgrag,
             (select count(*)::integer from seed003.documents) as seed`;
    if (counts.pgrag !== data.shape.chunks || counts.seed !== data.shape.chunks) {
      options.progress(`rebuilding: ${counts.pgrag} chunks and ${counts.seed} seed rows`);
      return undefined;
    }
    options.progress(`reusing the loaded database (${counts.pgrag} chunks); --rebuild to reload`);
    return stored.load;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Tenants, then documents and chunks by COPY in groups (only a group's vectors in memory) with
 * the HNSW index dropped, then one bulk index build (far faster than growing the graph row by
 * row), the seed's copy of the rows, and VACUUM ANALYZE so the planner knows the tenants' sizes.
 */
async function loadDataSet(
  sql: postgres.Sql,
  data: SearchDataSet,
  progress: (message: string) => void,
): Promise<LoadTimes> {
  const copyStarted = performance.now();
  await sql`
    insert into pgrag.tenants ${
    sql(data.tenants.map((t) => ({ id: t.id, name: `Tenant ${t.number}`, slug: t.slug })))
  }`;
  await setVectorIndex(sql, false);
  let group: GeneratedDocument[] = [];
  let copied = 0;
  for (const document of generateDocuments(data)) {
    group.push(document);
    if (group.length === DOCUMENTS_PER_COPY) {
      copied += await copyGroup(sql, group);
      group = [];
      if (copied % 20_000 === 0) progress(`  ${copied} chunks copied`);
    }
  }
  if (group.length > 0) await copyGroup(sql, group);
  const copySeconds = (performance.now() - copyStarted) / 1000;
  progress(`copied in ${copySeconds.toFixed(0)} s; building the HNSW index`);
  const hnswSeconds = await setVectorIndex(sql, true);
  progress(`HNSW index built in ${hnswSeconds.toFixed(0)} s; filling the seed's schema`);
  const seedSeconds = await createSeed003(sql);
  progress(`seed schema built in ${seedSeconds.toFixed(0)} s; vacuuming`);
  const vacuumStarted = performance.now();
  await sql`vacuum analyze pgrag.tenants, pgrag.documents, pgrag.chunks, seed003.documents`;
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  return { copySeconds, hnswSeconds, seedSeconds, vacuumSeconds };
}

/** COPYs a group's documents, then their chunks; returns the number of chunks. */
async function copyGroup(sql: postgres.Sql, documents: readonly GeneratedDocument[]) {
  await copyRows(sql, "documents", documents, {
    tenant_id: (d) => d.tenantId,
    id: (d) => d.id,
    title: (d) => d.title,
    content: (d) => d.content,
    status: () => "processed",
    chunks_count: (d) => d.chunks.length,
  });
  const chunks = documents.flatMap((d) => d.chunks.map((chunk) => ({ d, chunk })));
  await copyRows(sql, "chunks", chunks, {
    tenant_id: ({ d }) => d.tenantId,
    id: ({ chunk }) => chunk.id,
    document_id: ({ d }) => d.id,
    chunk_index: ({ chunk }) => chunk.index,
    content: ({ chunk }) => chunk.content,
    tokens: ({ chunk }) => chunk.tokens,
    metadata: ({ chunk }) => JSON.stringify(chunk.metadata),
    embedding: ({ chunk }) => vectorLiteral(chunk.embedding),
  });
  return chunks.length;
}

/** COPY into a pgrag table, one column per entry of `columns` (its name and its value). */
function copyRows<T>(
  sql: postgres.Sql,
  table: "documents" | "chunks",
  rows: readonly T[],
  columns: Record<string, (row: T) => string | number>,
): Promise<void> {
  const names = Object.keys(columns);
  const values = Object.values(columns);
  return copyIn(
    sql,
    (connection) =>
      connection`copy ${connection("pgrag." + table)} (${connection(names)}) from stdin`,
    lazyLines(rows, (row) => copyLine(values.map((value) => value(row)))),
  );
}
