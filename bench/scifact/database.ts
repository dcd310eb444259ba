/**
 * The benchmark's own database, `pgrag_scifact`, migrated with the project's runner and holding
 * one tenant with the SciFact corpus: one document and one chunk per abstract. Loading takes a
 * while (embedding, COPY, HNSW build), so a run reuses the database when a marker row says it
 * holds this corpus embedded with this embedding version. It is rebuilt when the marker differs,
 * when `--reload` asks, or when a migration it was built with has since been edited (the
 * project's runner refuses to run on such a database, and migrations cannot be undone).
 */
import type postgres from "postgres";
import { MigrationError } from "../../shared/db/migrations.ts";
import { vectorLiteral } from "../../shared/vector-text.ts";
import { connect, migrateDatabase, withDatabase } from "../harness/databases.ts";
import { copyIn, copyLine, lazyLines } from "../harness/copy-stream.ts";
import type { SciFact } from "../harness/scifact-files.ts";
import { type Embedder, EMBEDDING_VERSION } from "./embedding.ts";
import { setVectorIndex } from "../harness/vector-index.ts";

const DATABASE = "pgrag_scifact";

export interface SciFactDatabase {
  readonly url: string;
  readonly tenantId: string;
  /** Seconds spent loading in this run; 0 when the database was reused. */
  readonly loadSeconds: number;
}

interface Marker {
  readonly tenantId: string;
  readonly embeddingVersion: string;
  readonly corpusSha256: string;
}

export async function prepareSciFactDatabase(
  server: postgres.Sql,
  serverUrl: string,
  data: SciFact,
  embedder: Embedder,
  options: { readonly reload: boolean; readonly progress: (message: string) => void },
): Promise<SciFactDatabase> {
  const url = withDatabase(serverUrl, DATABASE);
  if (!options.reload && await databaseExists(server)) {
    const tenantId = await reusableTenant(url, data, embedder.dimension, options.progress);
    if (tenantId !== undefined) return { url, tenantId, loadSeconds: 0 };
  }

  const started = performance.now();
  options.progress(`creating ${DATABASE} and loading ${data.corpus.length} documents`);
  await server`drop database if exists ${server(DATABASE)} with (force)`;
  await server`create database ${server(DATABASE)}`;
  await migrateDatabase(url, embedder.dimension);
  const sql = connect(url);
  try {
    const tenantId = await load(sql, data, embedder);
    return { url, tenantId, loadSeconds: (performance.now() - started) / 1000 };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function databaseExists(server: postgres.Sql): Promise<boolean> {
  const rows = await server`select 1 from pg_database where datname = ${DATABASE}`;
  return rows.length > 0;
}

/**
 * Brings the existing database's migrations up to date (a new search function shows up this
 * way) and returns its tenant when it holds the complete corpus with the current embedding.
 */
async function reusableTenant(
  url: string,
  data: SciFact,
  dimension: number,
  progress: (message: string) => void,
): Promise<string | undefined> {
  try {
    await migrateDatabase(url, dimension);
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    progress(`rebuilding ${DATABASE}: ${error.message}`);
    return undefined;
  }
  const sql = connect(url);
  try {
    const marker = await readMarker(sql);
    if (
      marker?.embeddingVersion !== EMBEDDING_VERSION ||
      marker.corpusSha256 !== data.corpusSha256
    ) {
      progress(`reloading ${DATABASE}: it holds another corpus or embedding version`);
      return undefined;
    }
    const [{ chunks }] = await sql<{ chunks: number }[]>`
      select count(*)::integer as chunks from pgrag.chunks
       where tenant_id = ${marker.tenantId} and embedding is not null`;
    if (chunks !== data.corpus.length) {
      progress(`reloading ${DATABASE}: ${chunks} embedded chunks, not ${data.corpus.length}`);
      return undefined;
    }
    progress(`reusing ${DATABASE} (${chunks} chunks, ${EMBEDDING_VERSION}); --reload to rebuild`);
    return marker.tenantId;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function readMarker(sql: postgres.Sql): Promise<Marker | undefined> {
  const [table] = await sql`select to_regclass('public.scifact_load') as name`;
  if (table.name === null) return undefined;
  const [marker] = await sql<Marker[]>`
    select tenant_id as "tenantId", embedding_version as "embeddingVersion",
           corpus_sha256 as "corpusSha256"
      from public.scifact_load`;
  return marker;
}

/**
 * Loads the corpus into a fresh tenant, builds the vector index over all of it at once (much
 * faster than inserting into the graph row by row), vacuums, and writes the marker last, so an
 * interrupted load is never mistaken for a complete one. Returns the tenant id.
 */
async function load(sql: postgres.Sql, data: SciFact, embedder: Embedder): Promise<string> {
  const [tenant] = await sql<{ id: string }[]>`
    insert into pgrag.tenants (name, slug) values (${"SciFact"}, ${"scifact"}) returning id`;
  // The superuser bypasses row level security, so it writes the tenant's rows directly.
  await copyIn(
    sql,
    (connection) =>
      connection`
        copy pgrag.documents (tenant_id, id, title, content, status, chunks_count) from stdin`,
    lazyLines(
      data.corpus,
      (doc) =>
        copyLine([tenant.id, doc.id, doc.title, `${doc.title}\n${doc.text}`, "processed", 1]),
    ),
  );
  await setVectorIndex(sql, false);
  await copyIn(
    sql,
    (connection) =>
      connection`
        copy pgrag.chunks (tenant_id, id, document_id, chunk_index, content, embedding)
        from stdin`,
    lazyLines(data.corpus, (doc) => {
      const content = chunkContent(doc.title, doc.text);
      return copyLine([
        tenant.id,
        doc.id,
        doc.id,
        0,
        content,
        vectorLiteral(embedder.embed(content)),
      ]);
    }),
  );
  await setVectorIndex(sql, true);
  await sql`vacuum analyze pgrag.documents`;
  await sql`vacuum analyze pgrag.chunks`;
  await sql`
    create table public.scifact_load (
      tenant_id uuid not null,
      embedding_version text not null,
      corpus_sha256 text not null,
      loaded_at timestamptz not null default now())`;
  await sql`
    insert into public.scifact_load (tenant_id, embedding_version, corpus_sha256)
    values (${tenant.id}, ${EMBEDDING_VERSION}, ${data.corpusSha256})`;
  return tenant.id;
}

/**
 * The newest migration applied, with the start of its checksum: the search function changes
 * while it is tuned, so every result names the version it measured.
 */
export async function latestMigration(sql: postgres.Sql): Promise<string> {
  const [row] = await sql<{ label: string }[]>`
    select version || '_' || name || ' (sha256 ' || left(checksum, 12) || ')' as label
      from pgrag.schema_migrations order by version desc limit 1`;
  return row.label;
}

/** What each chunk holds and is embedded from; the idf is learnt from the same text. */
export function chunkContent(title: string, text: string): string {
  return `${title}. ${text}`;
}
