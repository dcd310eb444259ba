/**
 * The server the benchmarks run on and their own databases there. Every benchmark works in
 * databases named for it (pgrag_bench…, pgrag_scifact…), so a run never reads or changes anyone
 * else's data; each is migrated with the project's own runner, so it holds exactly the tables,
 * indexes, policies and functions of a pgrag install.
 */
import postgres from "postgres";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";

export const DEFAULT_SERVER_URL = "postgres://postgres:pgrag@127.0.0.1:54317/pgrag";

/** The server benchmarks run on: PGRAG_BENCH_DATABASE_URL, DATABASE_URL or the local one. */
export function benchServerUrl(): string {
  return Deno.env.get("PGRAG_BENCH_DATABASE_URL") || Deno.env.get("DATABASE_URL") ||
    DEFAULT_SERVER_URL;
}

/** A superuser connection to the server's `postgres` database, for creating and dropping. */
export function connectToServer(serverUrl: string): postgres.Sql {
  return connect(withDatabase(serverUrl, "postgres"));
}

/** Options of a benchmark connection, e.g. `{ prepare: false }` as pgrag's server runs. */
export type ConnectOptions = postgres.Options<Record<string, never>>;

/** A single superuser connection (owners bypass the tables' RLS) with notices silenced. */
export function connect(url: string, options: ConnectOptions = {}): postgres.Sql {
  return postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {}, ...options });
}

/** `serverUrl` with its database replaced. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function databaseExists(server: postgres.Sql, name: string): Promise<boolean> {
  return (await server`select 1 from pg_database where datname = ${name}`).length > 0;
}

export async function dropDatabase(server: postgres.Sql, name: string): Promise<void> {
  await server`drop database if exists ${server(name)} with (force)`;
}

/** Drops `name` if it exists and creates it afresh, migrated; returns its URL. */
export async function createMigratedDatabase(
  server: postgres.Sql,
  serverUrl: string,
  name: string,
  embeddingDim: number,
): Promise<string> {
  await dropDatabase(server, name);
  await server`create database ${server(name)}`;
  const url = withDatabase(serverUrl, name);
  await migrateDatabase(url, embeddingDim);
  return url;
}

/**
 * Replaces `copy` with a file copy of `template` and returns its URL. FILE_COPY copies the files
 * instead of writing every page to the WAL, and checkpoints before and after, so no measurement
 * pays for flushing another's pages; it takes seconds where rebuilding an HNSW index takes
 * minutes. Nothing may be connected to the template.
 */
export async function copyDatabase(
  server: postgres.Sql,
  serverUrl: string,
  template: string,
  copy: string,
): Promise<string> {
  await dropDatabase(server, copy);
  await server`create database ${server(copy)} template ${server(template)} strategy file_copy`;
  return withDatabase(serverUrl, copy);
}

/**
 * Applies the project's pending migrations with its own runner. Throws MigrationError when a
 * migration the database was built with has since been edited.
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
