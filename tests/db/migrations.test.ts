import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../shared/db/database.ts";
import {
  loadProjectMigrations,
  migrate,
  type Migration,
  MigrationError,
} from "../../shared/db/migrations.ts";
import { openPglite } from "../../shared/db/pglite.ts";
import { currentDriver, openTestDatabase, testServer } from "../support/database.ts";
import { createScratchDatabase } from "../support/server.ts";

/** Two handles on one empty database: separate connections where the driver has them. */
async function freshDatabase(): Promise<
  { first: Database; second: Database; done: () => Promise<void> }
> {
  if (currentDriver() === "pglite") {
    const db = await openPglite({ dataDir: "memory://" });
    return { first: db, second: db, done: () => db.close() };
  }
  const scratch = await createScratchDatabase(testServer(), "pgrag_migrate");
  const first = await openTestDatabase({ url: scratch.url, migrate: false });
  const second = await openTestDatabase({ url: scratch.url, migrate: false });
  return {
    first: first.db,
    second: second.db,
    async done() {
      await first.close();
      await second.close();
      await scratch.drop();
    },
  };
}

const appliedVersions = (db: Database) =>
  db.transaction((tx) =>
    tx.query<{ version: string }>("select version from pgrag.schema_migrations order by version")
  ).then((rows) => rows.map((row) => row.version));

describe("migrate()", () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it("applies every file once; a second run is a no-op", async () => {
    const fresh = await freshDatabase();
    cleanup = fresh.done;
    const migrations = await loadProjectMigrations();
    const versions = migrations.map((m) => m.version);

    expect(await migrate(fresh.first, migrations, { embeddingDim: 8 })).toEqual(versions);
    expect(await migrate(fresh.first, migrations, { embeddingDim: 8 })).toEqual([]);
    expect(await appliedVersions(fresh.first)).toEqual(versions);
  });

  it("lets two concurrent migrators both succeed, each file applied exactly once", async () => {
    const fresh = await freshDatabase();
    cleanup = fresh.done;
    const migrations = await loadProjectMigrations();
    const [one, two] = await Promise.all([
      migrate(fresh.first, migrations, { embeddingDim: 8 }),
      migrate(fresh.second, migrations, { embeddingDim: 8 }),
    ]);
    // The files are not idempotent (plain `create table`), so a second application would have
    // failed; together the two runs applied each version once.
    expect([...one, ...two].sort()).toEqual(migrations.map((m) => m.version));
    expect(await appliedVersions(fresh.second)).toEqual(migrations.map((m) => m.version));
  });

  it("refuses an applied file that was edited, before applying anything new", async () => {
    const fresh = await freshDatabase();
    cleanup = fresh.done;
    const migrations = await loadProjectMigrations();
    await migrate(fresh.first, migrations, { embeddingDim: 8 });

    const edited: Migration[] = migrations.map((m, i) =>
      i === 2 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: "0".repeat(64) } : m
    );
    const added: Migration = {
      version: "29991231235959",
      name: "later",
      sql: "create table pgrag.later (id int)",
      checksum: "1".repeat(64),
    };
    const attempt = migrate(fresh.first, [...edited, added], { embeddingDim: 8 });
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(
      `${migrations[2].version}_${migrations[2].name}.sql was changed after it was applied`,
    );
    expect(await appliedVersions(fresh.first)).not.toContain(added.version);
  });

  it("rolls back a failing file whole and records nothing for it", async () => {
    const fresh = await freshDatabase();
    cleanup = fresh.done;
    const migrations = await loadProjectMigrations();
    const broken: Migration = {
      version: "29991231235959",
      name: "broken",
      sql: "create table pgrag.half_done (id int); select 1/0;",
      checksum: "2".repeat(64),
    };
    await expect(migrate(fresh.first, [...migrations, broken], { embeddingDim: 8 })).rejects
      .toMatchObject({ sqlstate: "22012" });
    expect(await appliedVersions(fresh.first)).not.toContain(broken.version);
    const leftovers = await fresh.first.transaction((tx) =>
      tx.query("select to_regclass('pgrag.half_done') as t")
    );
    expect(leftovers[0].t).toBeNull();
  });

  it("creates halfvec embeddings above 2000 dimensions and refuses a later mismatch", async () => {
    const fresh = await freshDatabase();
    cleanup = fresh.done;
    const migrations = await loadProjectMigrations();
    await migrate(fresh.first, migrations, { embeddingDim: 3072 });
    const [column] = await fresh.first.transaction((tx) =>
      tx.query(
        "select format_type(atttypid, atttypmod) as type from pg_attribute " +
          "where attrelid = 'pgrag.chunks'::regclass and attname = 'embedding'",
      )
    );
    expect(column.type).toBe("halfvec(3072)");
    await expect(migrate(fresh.first, migrations, { embeddingDim: 1536 })).rejects.toThrow(
      /stores 3072-dimension embeddings but PGRAG_EMBEDDING_DIM is 1536/,
    );
  });
});
