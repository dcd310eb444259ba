/**
 * A benchmark database that takes a while to load (embedding, writing, index builds), kept
 * between runs: reused while its marker says it holds the data set asked for and the project's
 * migrations still apply to it (a new search function arrives this way), rebuilt otherwise. The
 * runner refuses a database whose applied migration has since been edited, and migrations cannot
 * be undone, so such a database is rebuilt too. The marker is written last, so an interrupted
 * load is never taken for a complete one.
 */
import type postgres from "postgres";
import { MigrationError } from "../../shared/db/migrations.ts";
import type { Run } from "./benchmark.ts";
import {
  connect,
  createMigratedDatabase,
  databaseExists,
  migrateDatabase,
  withDatabase,
} from "./databases.ts";

export interface ReusableDatabase<Marker> {
  readonly name: string;
  readonly embeddingDim: number;
  /** Which data set it must hold (shape, generator versions, input hashes). */
  readonly fingerprint: string;
  /** False rebuilds it whatever it holds. */
  readonly reuse: boolean;
  /** What a build loads, for the progress line. */
  readonly contents: string;
  /** Fills the fresh, migrated database; returns what its marker keeps (tenant, load times). */
  load(sql: postgres.Sql, url: string): Promise<Marker>;
  /** For a database whose fingerprint matches: why it still cannot be reused, if it cannot. */
  check?(sql: postgres.Sql, marker: Marker): Promise<string | undefined>;
}

export interface PreparedDatabase<Marker> {
  readonly name: string;
  readonly url: string;
  readonly marker: Marker;
  /** Loaded by an earlier run. */
  readonly reused: boolean;
}

export async function prepareDatabase<Marker>(
  run: Run,
  database: ReusableDatabase<Marker>,
): Promise<PreparedDatabase<Marker>> {
  const { name } = database;
  const url = withDatabase(run.serverUrl, name);
  if (database.reuse && await databaseExists(run.server, name)) {
    const marker = await reusableMarker(run, url, database);
    if (marker !== undefined) return { name, url, marker, reused: true };
  }
  run.progress(`building ${name}: ${database.contents}`);
  await createMigratedDatabase(run.server, run.serverUrl, name, database.embeddingDim);
  const sql = connect(url);
  try {
    const marker = await database.load(sql, url);
    await sql`
      create table public.bench_load (
        fingerprint text not null,
        marker jsonb not null,
        loaded_at timestamptz not null default now())`;
    await sql`
      insert into public.bench_load (fingerprint, marker)
      values (${database.fingerprint}, ${sql.json(marker as postgres.JSONValue)})`;
    return { name, url, marker, reused: false };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function reusableMarker<Marker>(
  run: Run,
  url: string,
  database: ReusableDatabase<Marker>,
): Promise<Marker | undefined> {
  try {
    await migrateDatabase(url, database.embeddingDim);
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    run.progress(`rebuilding ${database.name}: ${error.message}`);
    return undefined;
  }
  const sql = connect(url);
  try {
    const [{ table }] = await sql`select to_regclass('public.bench_load')::text as table`;
    const [stored] = table === null ? [] : await sql<{ fingerprint: string; marker: Marker }[]>`
        select fingerprint, marker from public.bench_load`;
    if (stored?.fingerprint !== database.fingerprint) {
      run.progress(`rebuilding ${database.name}: it holds another data set or an incomplete load`);
      return undefined;
    }
    const objection = await database.check?.(sql, stored.marker);
    if (objection !== undefined) {
      run.progress(`rebuilding ${database.name}: ${objection}`);
      return undefined;
    }
    run.progress(`reusing ${database.name}, loaded by an earlier run`);
    return stored.marker;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
