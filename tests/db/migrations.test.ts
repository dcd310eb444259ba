import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../shared/db/database.ts";
import {
  loadProjectSchema,
  migrate,
  type Migration,
  MigrationError,
  type Schema,
  type SchemaFile,
} from "../../shared/db/migrations.ts";
import { freshDatabase } from "../support/fresh-database.ts";
import { schemaSnapshot } from "../support/schema-snapshot.ts";

const appliedVersions = (db: Database) =>
  db.transaction((tx) =>
    tx.query<{ version: string }>("select version from pgrag.schema_migrations order by version")
  ).then((rows) => rows.map((row) => row.version));

const appliedLogic = (db: Database) =>
  db.transaction((tx) =>
    tx.query<{ name: string; checksum: string }>(
      "select name, checksum from pgrag.schema_logic order by name",
    )
  );

const laterMigration = (sql: string): Migration => ({
  version: "29991231235959",
  name: "29991231235959_later.sql",
  concern: "later",
  sql,
  checksum: "1".repeat(64),
});

describe("migrate()", () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it("applies every migration and logic file once; a second run is a no-op", async () => {
    const fresh = await freshDatabase("pgrag_migrate");
    cleanup = fresh.done;
    const schema = await loadProjectSchema();
    const versions = schema.migrations.map((m) => m.version);
    const logic = schema.logic.map((file) => file.name);

    expect(await migrate(fresh.first, schema, { embeddingDim: 8 })).toEqual({ versions, logic });
    expect(await migrate(fresh.first, schema, { embeddingDim: 8 })).toEqual({
      versions: [],
      logic: [],
    });
    expect(await appliedVersions(fresh.first)).toEqual(versions);
    expect(await appliedLogic(fresh.first)).toEqual(
      schema.logic.map(({ name, checksum }) => ({ name, checksum })),
    );
  });

  it("lets two concurrent migrators both succeed, each file applied exactly once", async () => {
    const fresh = await freshDatabase("pgrag_migrate");
    cleanup = fresh.done;
    const schema = await loadProjectSchema();
    const [one, two] = await Promise.all([
      migrate(fresh.first, schema, { embeddingDim: 8 }),
      migrate(fresh.second, schema, { embeddingDim: 8 }),
    ]);
    // The migrations are not idempotent (plain `create table`), so a second application would
    // have failed; one run did all the work and the other found nothing left.
    expect([...one.versions, ...two.versions].sort()).toEqual(
      schema.migrations.map((m) => m.version),
    );
    expect([one.logic.length, two.logic.length].sort()).toEqual([0, schema.logic.length]);
  });

  it("refuses a migration that was edited after it was applied, and changes nothing", async () => {
    const fresh = await freshDatabase("pgrag_migrate");
    cleanup = fresh.done;
    const schema = await loadProjectSchema();
    await migrate(fresh.first, schema, { embeddingDim: 8 });

    const edited: Schema = {
      migrations: [
        ...schema.migrations.map((m, i) =>
          i === 2 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: "0".repeat(64) } : m
        ),
        laterMigration("create table pgrag.later (id int)"),
      ],
      logic: schema.logic,
    };
    const attempt = migrate(fresh.first, edited, { embeddingDim: 8 });
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(
      `${schema.migrations[2].name} was changed after it was applied`,
    );
    expect(await appliedVersions(fresh.first)).not.toContain("29991231235959");
  });

  it("rolls back the whole run when a file fails, and records nothing of it", async () => {
    const fresh = await freshDatabase("pgrag_migrate");
    cleanup = fresh.done;
    const schema = await loadProjectSchema();
    const broken: Schema = {
      migrations: [
        ...schema.migrations,
        laterMigration("create table pgrag.half_done (id int); select 1/0;"),
      ],
      logic: schema.logic,
    };
    await expect(migrate(fresh.first, broken, { embeddingDim: 8 })).rejects
      .toMatchObject({ sqlstate: "22012" });
    const [leftovers] = await fresh.first.transaction((tx) =>
      tx.query(
        "select to_regclass('pgrag.half_done') as half_done, " +
          "to_regclass('pgrag.documents') as documents",
      )
    );
    expect(leftovers).toEqual({ half_done: null, documents: null });
    // The same schema without the broken file then installs cleanly.
    expect((await migrate(fresh.first, schema, { embeddingDim: 8 })).logic).toHaveLength(
      schema.logic.length,
    );
  });

  it("re-applies a changed logic file and every file after it, not the ones before", async () => {
    const fresh = await freshDatabase("pgrag_migrate");
    cleanup = fresh.done;
    const schema = await loadProjectSchema();
    await migrate(fresh.first, schema, { embeddingDim: 8 });

    const changedAt = schema.logic.findIndex((file) => file.name.endsWith("_llm_cache.sql"));
    const changed: SchemaFile = {
      ...schema.logic[changedAt],
      sql: schema.logic[changedAt].sql.replace(
        "'A cache entry as the API",
        "'Changed: a cache entry as the API",
      ),
      checksum: "2".repeat(64),
    };
    expect(changed.sql).not.toEqual(schema.logic[changedAt].sql);
    const next: Schema = {
      migrations: schema.migrations,
      logic: schema.logic.map((file, i) => i === changedAt ? changed : file),
    };
    const result = await migrate(fresh.first, next, { embeddingDim: 8 });
    expect(result).toEqual({
      versions: [],
      logic: schema.logic.slice(changedAt).map((file) => file.name),
    });
    const [{ comment }] = await fresh.first.transaction((tx) =>
      tx.query(
        "select obj_description('pgrag.cache_entry_json(pgrag.llm_cache)'::regprocedure) " +
          "as comment",
      )
    );
    expect(comment).toMatch(/^Changed: a cache entry as the API/);
    expect(await migrate(fresh.first, next, { embeddingDim: 8 })).toEqual({
      versions: [],
      logic: [],
    });
  });

  it("can apply every logic file again without changing the catalog", async () => {
    const fresh = await freshDatabase("pgrag_migrate");
    cleanup = fresh.done;
    const schema = await loadProjectSchema();
    await migrate(fresh.first, schema, { embeddingDim: 8 });
    const before = await fresh.first.transaction(schemaSnapshot);
    await fresh.first.transaction((tx) => tx.exec("update pgrag.schema_logic set checksum = ''"));
    const again = await migrate(fresh.first, schema, { embeddingDim: 8 });
    expect(again.logic).toEqual(schema.logic.map((file) => file.name));
    expect(await fresh.first.transaction(schemaSnapshot)).toEqual(before);
  });

  it("creates halfvec embeddings above 2000 dimensions and refuses a later mismatch", async () => {
    const fresh = await freshDatabase("pgrag_migrate");
    cleanup = fresh.done;
    const schema = await loadProjectSchema();
    await migrate(fresh.first, schema, { embeddingDim: 3072 });
    const [column] = await fresh.first.transaction((tx) =>
      tx.query(
        "select format_type(atttypid, atttypmod) as type from pg_attribute " +
          "where attrelid = 'pgrag.chunks'::regclass and attname = 'embedding'",
      )
    );
    expect(column.type).toBe("halfvec(3072)");
    await expect(migrate(fresh.first, schema, { embeddingDim: 1536 })).rejects.toThrow(
      /stores 3072-dimension embeddings but PGRAG_EMBEDDING_DIM is 1536/,
    );
  });
});
