import type { Database, Queryable } from "./database.ts";
import { RELEASED_CHECKSUMS } from "./released-checksums.ts";

/**
 * The schema lives in two kinds of file (see docs/architecture.md, "SQL: migrations and logic"):
 *
 * - `sql/migrations/<YYYYMMDDHHMMSS>_<concern>.sql`: what holds data (extensions, roles, tables,
 *   columns, indexes, backfills). Applied once each, in version order, and never edited after.
 * - `sql/logic/<NN>_<concern>.sql`: everything that can be re-created from its text (functions,
 *   triggers, policies, grants and their comments), one current definition per object. A file
 *   is applied again whenever its text changes.
 */
export interface SchemaFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface Migration extends SchemaFile {
  version: string;
  /** The file name's `<concern>`, recorded beside the version. */
  concern: string;
}

export interface Schema {
  migrations: readonly Migration[];
  /** In the order they are applied (their `NN_` prefix): later files build on earlier ones. */
  logic: readonly SchemaFile[];
}

export interface MigrationResult {
  /** Versions of the migrations applied by this run. */
  versions: string[];
  /** Logic files (re)applied by this run. */
  logic: string[];
}

export class MigrationError extends Error {
  override readonly name = "MigrationError";
}

const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;
const LOGIC_FILE = /^(\d{2})_([a-z0-9_]+)\.sql$/;
// Every migrator takes this transaction-level advisory lock first, so two processes starting at
// once migrate one after the other and the second finds nothing left to do; the lock also works
// through a transaction pooler, where a session-level lock would not.
const LOCK_KEY = "pgrag:migrations";

/** Reads `migrations/` and `logic/` of a schema folder. */
export async function loadSchema(folder: URL): Promise<Schema> {
  const migrations = (await readSqlFiles(new URL("migrations/", folder), MIGRATION_FILE))
    .map((file) => {
      const [, version, concern] = MIGRATION_FILE.exec(file.name)!;
      return { ...file, version, concern };
    });
  const logic = await readSqlFiles(new URL("logic/", folder), LOGIC_FILE);
  return { migrations, logic };
}

/** The project's own schema, in `sql/` at the repository root. */
export function loadProjectSchema(): Promise<Schema> {
  return loadSchema(new URL("../../sql/", import.meta.url));
}

async function readSqlFiles(folder: URL, pattern: RegExp): Promise<SchemaFile[]> {
  const files: SchemaFile[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    if (!pattern.test(entry.name)) {
      throw new MigrationError(`${entry.name} does not match ${pattern.source} in ${folder}`);
    }
    const sql = await Deno.readTextFile(new URL(entry.name, folder));
    files.push({ name: entry.name, sql, checksum: await sha256(sql) });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

export interface MigrateOptions {
  /** The embedding dimension a fresh install creates its vector columns with. */
  embeddingDim: number;
}

/**
 * Brings the database to the schema in one transaction, under the migration lock: the pending
 * migrations in version order, then the first logic file whose text changed since it was last
 * applied and every logic file after it. The later files are applied again too because they may
 * hold objects that depend on the changed one (a policy calling a function), which a changed
 * file may have had to drop (`drop function ... cascade` for a new signature); and the last file
 * revokes PUBLIC's EXECUTE from every function, which must follow any new one. Re-applying an
 * unchanged file is harmless: every logic file can run again (`create or replace`, `drop policy
 * if exists` before `create policy`).
 *
 * All or nothing: a failing file leaves the database as it was. Refuses, before changing
 * anything, when an applied migration was edited since: migrations are fixed forward.
 */
export async function migrate(
  db: Database,
  schema: Schema,
  options: MigrateOptions,
): Promise<MigrationResult> {
  const result = await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [LOCK_KEY]);
    await createBookkeeping(tx);
    await tx.query("select set_config('pgrag.embedding_dim', $1, true)", [
      String(options.embeddingDim),
    ]);
    const versions = await applyMigrations(tx, schema.migrations);
    const logic = await applyLogic(tx, schema.logic);
    return { versions, logic };
  }).catch((error) => {
    // Thrown inside the transaction to roll it back; the driver wraps what it did not raise.
    throw error?.cause instanceof MigrationError ? error.cause : error;
  });
  await assertEmbeddingDim(db, options.embeddingDim);
  return result;
}

async function createBookkeeping(tx: Queryable): Promise<void> {
  await tx.exec(`
    create schema if not exists pgrag;
    create table if not exists pgrag.schema_migrations (
      version text primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    );
    create table if not exists pgrag.schema_logic (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    );`);
}

async function applyMigrations(tx: Queryable, migrations: readonly Migration[]) {
  const applied = await adoptReleasedMigrations(tx, migrations);
  for (const migration of migrations) {
    const checksum = applied.get(migration.version);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new MigrationError(
        `${migration.name} was changed after it was applied; ` +
          "applied migrations are never edited: add a new migration instead",
      );
    }
  }
  const versions: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await tx.exec(migration.sql);
    await tx.query(
      "insert into pgrag.schema_migrations (version, name, checksum) values ($1, $2, $3)",
      [migration.version, migration.concern, migration.checksum],
    );
    versions.push(migration.version);
  }
  return versions;
}

/**
 * Until 0.1.0 the functions lived inside the migrations; since, those files keep only their
 * tables and the functions moved to `sql/logic/`. A database that applied a migration's 0.1.0
 * text has exactly the tables of its current text, so that record is rewritten to the current
 * checksum (or dropped, for the files that held nothing but functions); the logic files then
 * replace the functions. Any other checksum still counts as an edit. Returns the applied versions
 * with their (adopted) checksums.
 */
async function adoptReleasedMigrations(
  tx: Queryable,
  migrations: readonly Migration[],
): Promise<Map<string, string>> {
  const current = new Map(migrations.map((m) => [m.version, m.checksum]));
  const rows = await tx.query<{ version: string; checksum: string }>(
    "select version, checksum from pgrag.schema_migrations",
  );
  const applied = new Map<string, string>();
  for (const row of rows) {
    const checksum = current.get(row.version);
    if (RELEASED_CHECKSUMS[row.version] !== row.checksum) {
      applied.set(row.version, row.checksum);
    } else if (checksum === undefined) {
      await tx.query("delete from pgrag.schema_migrations where version = $1", [row.version]);
    } else {
      await tx.query("update pgrag.schema_migrations set checksum = $2 where version = $1", [
        row.version,
        checksum,
      ]);
      applied.set(row.version, checksum);
    }
  }
  return applied;
}

async function applyLogic(tx: Queryable, logic: readonly SchemaFile[]): Promise<string[]> {
  const rows = await tx.query<{ name: string; checksum: string }>(
    "select name, checksum from pgrag.schema_logic",
  );
  const applied = new Map(rows.map((row) => [row.name, row.checksum]));
  const firstChanged = logic.findIndex((file) => applied.get(file.name) !== file.checksum);
  if (firstChanged < 0) return [];
  const pending = logic.slice(firstChanged);
  for (const file of pending) {
    await tx.exec(file.sql);
    await tx.query(
      "insert into pgrag.schema_logic (name, checksum) values ($1, $2) " +
        "on conflict (name) do update set checksum = excluded.checksum, applied_at = now()",
      [file.name, file.checksum],
    );
  }
  // A file that was removed leaves its record behind otherwise; its objects are dropped by the
  // change that removed it.
  await tx.query(
    "delete from pgrag.schema_logic " +
      "where name not in (select json_array_elements_text($1::text::json))",
    [JSON.stringify(logic.map((file) => file.name))],
  );
  return pending.map((file) => file.name);
}

/** Fails when the database was installed with another embedding dimension than configured. */
async function assertEmbeddingDim(db: Database, expected: number): Promise<void> {
  const rows = await db.transaction((tx) =>
    tx.query<{ value: string }>("select value from pgrag.settings where key = 'embedding_dim'")
  );
  const installed = rows[0]?.value;
  if (installed !== undefined && Number(installed) !== expected) {
    throw new MigrationError(
      `the database stores ${installed}-dimension embeddings but PGRAG_EMBEDDING_DIM is ` +
        `${expected}; set PGRAG_EMBEDDING_DIM=${installed} or use a fresh database`,
    );
  }
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
