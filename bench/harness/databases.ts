/**
 * The benchmark's own databases on the server it is pointed at, so a run never reads or
 * changes anyone else's data:
 *
 * - `pgrag_bench`, the template: migrated with the project's own runner (exactly the tables,
 *   indexes, policies and functions of a pgrag install), holding the tenant, its API key and the
 *   preloaded chunks. Dropped and rebuilt at the start of every run.
 * - `pgrag_bench_run`, a fresh copy of the template made before every timed path, so every
 *   path starts from the identical table and index. Deleting a path's rows and vacuuming would
 *   get close, but vacuuming an HNSW index after 10,000 deletions repairs the graph for minutes
 *   (about 3 on 2 cores), while a file copy of the template takes a few seconds.
 */
import postgres from "postgres";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";

const TEMPLATE_DATABASE = "pgrag_bench";
const RUN_DATABASE = "pgrag_bench_run";

export interface TemplateDatabase {
  readonly url: string;
  readonly tenantId: string;
  /** A writer key of the tenant, for path 1. */
  readonly apiKey: string;
}

const DEFAULT_SERVER_URL = "postgres://postgres:pgrag@127.0.0.1:54317/pgrag";

/** The server benchmarks run on: PGRAG_BENCH_DATABASE_URL, DATABASE_URL or the local one. */
export function benchServerUrl(): string {
  return Deno.env.get("PGRAG_BENCH_DATABASE_URL") || Deno.env.get("DATABASE_URL") ||
    DEFAULT_SERVER_URL;
}

/** A superuser connection to the server's `postgres` database, for creating and dropping. */
export function connectToServer(serverUrl: string): postgres.Sql {
  return connect(withDatabase(serverUrl, "postgres"));
}

/** A single superuser connection (owners bypass the tables' RLS) with notices silenced. */
export function connect(url: string): postgres.Sql {
  return postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
}

/** `serverUrl` with its database replaced. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops both databases and creates the template, migrated, with a tenant and a writer key. */
export async function createTemplateDatabase(
  server: postgres.Sql,
  serverUrl: string,
  embeddingDim: number,
): Promise<TemplateDatabase> {
  await server`drop database if exists ${server(RUN_DATABASE)} with (force)`;
  await server`drop database if exists ${server(TEMPLATE_DATABASE)} with (force)`;
  await server`create database ${server(TEMPLATE_DATABASE)}`;

  const url = withDatabase(serverUrl, TEMPLATE_DATABASE);
  await migrateDatabase(url, embeddingDim);

  const sql = connect(url);
  try {
    const [tenant] = await sql<{ id: string }[]>`
      insert into pgrag.tenants (name, slug) values (${"Benchmark"}, ${"bench"}) returning id`;
    const issued = await issueApiKey();
    await sql`
      insert into pgrag.api_keys (tenant_id, name, role, prefix, key_hash)
      values (${tenant.id}, ${"bench"}, ${"writer"}, ${issued.prefix},
              decode(${issued.hash}, 'hex'))`;
    return { url, tenantId: tenant.id, apiKey: issued.key };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Applies the project's pending migrations with its own runner, so the database holds exactly
 * the tables, indexes, policies and functions of a pgrag install.
 */
export async function migrateDatabase(url: string, embeddingDim: number): Promise<void> {
  const db = openPostgresJs({
    url,
    maxConnections: 4,
    idleTimeoutSeconds: 10,
    connectTimeoutSeconds: 5,
  });
  try {
    await migrate(db, await loadProjectSchema(), { embeddingDim });
  } finally {
    await db.close();
  }
}

/**
 * Replaces the run database with a fresh copy of the template and returns its URL. FILE_COPY
 * copies the files instead of writing every page to the WAL, and checkpoints before and after,
 * so no path pays for flushing another path's pages. Nothing may be connected to the template.
 */
export async function freshRunDatabase(server: postgres.Sql, serverUrl: string): Promise<string> {
  await server`drop database if exists ${server(RUN_DATABASE)} with (force)`;
  await server`
    create database ${server(RUN_DATABASE)}
    template ${server(TEMPLATE_DATABASE)} strategy file_copy`;
  return withDatabase(serverUrl, RUN_DATABASE);
}

/** Removes the last copy at the end; the template stays for inspection until the next run. */
export async function dropRunDatabase(server: postgres.Sql): Promise<void> {
  await server`drop database if exists ${server(RUN_DATABASE)} with (force)`;
}
