import type { Database, Queryable } from "./database.ts";

/** One file of `sql/`: `<YYYYMMDDHHMMSS>_<concern>.sql`. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = "MigrationError";
}

const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;
// Every migrator takes this transaction-level advisory lock first, so two processes starting at
// once apply each file exactly once, one after the other; the lock also works through a
// transaction pooler, where a session-level lock would not.
const LOCK_KEY = "pgrag:migrations";

/** Reads the migration files of a folder, in version order. */
export async function loadMigrations(folder: URL): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const match = FILE_NAME.exec(entry.name);
    if (!match) {
      throw new MigrationError(
        `${entry.name}: migration files are named <YYYYMMDDHHMMSS>_<concern>.sql`,
      );
    }
    const sql = await Deno.readTextFile(new URL(entry.name, folder));
    migrations.push({ version: match[1], name: match[2], sql, checksum: await sha256(sql) });
  }
  return migrations.sort((a, b) => a.version.localeCompare(b.version));
}

/** The project's own migrations, in `sql/` at the repository root. */
export function loadProjectMigrations(): Promise<Migration[]> {
  return loadMigrations(new URL("../../sql/", import.meta.url));
}

export interface MigrateOptions {
  /** The embedding dimension a fresh install creates its vector columns with. */
  embeddingDim: number;
}

/**
 * Applies the pending migrations, one transaction per file, and returns the versions it applied.
 * Refuses, before applying anything, when an applied file has changed since: migrations are fixed
 * forward, never edited.
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[],
  options: MigrateOptions,
): Promise<string[]> {
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(`
      create schema if not exists pgrag;
      create table if not exists pgrag.schema_migrations (
        version text primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      );`);
  });

  const applied = await db.transaction((tx) =>
    tx.query<{ version: string; checksum: string }>(
      "select version, checksum from pgrag.schema_migrations",
    )
  );
  const appliedChecksums = new Map(applied.map((row) => [row.version, row.checksum]));
  for (const migration of migrations) {
    const checksum = appliedChecksums.get(migration.version);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new MigrationError(
        `${migration.version}_${migration.name}.sql was changed after it was applied; ` +
          "applied migrations are never edited: add a new migration instead",
      );
    }
  }

  const newlyApplied: string[] = [];
  for (const migration of migrations) {
    if (appliedChecksums.has(migration.version)) continue;
    const didApply = await db.transaction(async (tx) => {
      await lock(tx);
      // Another migrator may have applied it while this one waited for the lock.
      const done = await tx.query("select 1 from pgrag.schema_migrations where version = $1", [
        migration.version,
      ]);
      if (done.length > 0) return false;
      await tx.query("select set_config('pgrag.embedding_dim', $1, true)", [
        String(options.embeddingDim),
      ]);
      await tx.exec(migration.sql);
      await tx.query(
        "insert into pgrag.schema_migrations (version, name, checksum) values ($1, $2, $3)",
        [migration.version, migration.name, migration.checksum],
      );
      return true;
    });
    if (didApply) newlyApplied.push(migration.version);
  }

  await assertEmbeddingDim(db, options.embeddingDim);
  return newlyApplied;
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

async function lock(tx: Queryable): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [LOCK_KEY]);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
