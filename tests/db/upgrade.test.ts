import { afterEach, describe, expect, it } from "vitest";
import type { Database, Row } from "../../shared/db/database.ts";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { RELEASED_CHECKSUMS } from "../../shared/db/released-checksums.ts";
import { TEST_EMBEDDING_DIM } from "../support/database.ts";
import { type FreshDatabase, freshDatabase } from "../support/fresh-database.ts";
import { schemaSnapshot } from "../support/schema-snapshot.ts";

/** The migration files of release 0.1.0 as they shipped, functions still inside them. */
async function releasedMigrations(): Promise<{ name: string; sql: string }[]> {
  const file = await Deno.readFile(
    new URL("../fixtures/migrations-0.1.0.json.gz", import.meta.url),
  );
  const json = await new Response(
    new Blob([file]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return Object.entries(JSON.parse(json) as Record<string, string>)
    .map(([name, sql]) => ({ name, sql }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Installs 0.1.0 as its runner did: one transaction per file, each recorded with its hash. */
async function installRelease(db: Database): Promise<void> {
  await db.transaction((tx) =>
    tx.exec(`create schema if not exists pgrag;
      create table if not exists pgrag.schema_migrations (version text primary key,
        name text not null, checksum text not null, applied_at timestamptz not null default now())`)
  );
  for (const { name, sql } of await releasedMigrations()) {
    await db.transaction(async (tx) => {
      await tx.query("select set_config('pgrag.embedding_dim', $1, true)", [
        String(TEST_EMBEDDING_DIM),
      ]);
      await tx.exec(sql);
      await tx.query("insert into pgrag.schema_migrations values ($1, $2, $3)", [
        name.slice(0, 14),
        name.slice(15, -4),
        RELEASED_CHECKSUMS[name.slice(0, 14)],
      ]);
    });
  }
}

const TENANT = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b";

/** A tenant with documents, chunks (one embedded), graph, cache, usage and an audit row. */
async function writeData(db: Database): Promise<void> {
  await db.run({ role: "admin" }, [{
    text: "insert into pgrag.tenants (id, name, slug) values ($1, 'Upgrade', 'upgrade')",
    params: [TENANT],
  }]);
  const documents = [{ id: "doc-1", title: "One", content: "PostgreSQL keeps it all." }];
  const chunks = [
    { id: "chunk-1", document_id: "doc-1", chunk_index: 0, content: "PostgreSQL keeps" },
    { id: "chunk-2", document_id: "doc-1", chunk_index: 1, content: "it all." },
  ];
  await db.run({ role: "api", tenantId: TENANT }, [
    {
      text: "select pgrag.upsert_documents($1::text::json, $2::text::json, $3::text)",
      params: [JSON.stringify(documents), JSON.stringify(chunks), "[1,0,0] "],
    },
    {
      text: "select pgrag.upsert_relations($1::text::json, null)",
      params: [JSON.stringify([{ source: "PostgreSQL", target: "pgvector", weight: 2 }])],
    },
    {
      text: "select pgrag.put_cache_entry('k', 'extract', 'prompt', 'response', null, '{}')",
    },
    {
      text:
        "select pgrag.record_audit('api_key:upgrade', 'upsert', '/documents', null, true, null, 3, " +
        "'{}'::json, null, null)",
    },
  ]);
}

/**
 * Every table's rows as JSON, in key order: what must survive the upgrade unchanged. The chunks'
 * keyword columns are derived, and since the document's title joined their keyword vector they
 * change on upgrade: left out here, and checked against a recount below.
 */
async function dataOf(db: Database): Promise<Row[]> {
  const tables = [
    "tenants",
    "documents",
    "chunks",
    "entities",
    "relations",
    "llm_cache",
    "tenant_usage",
    "audit_logs",
  ];
  return await db.transaction(async (tx) => {
    const rows: Row[] = [];
    for (const table of tables) {
      // Only the chunks' keyword columns are derived; a document's title must survive as is.
      const derived = table === "chunks" ? " - 'content_tsv' - 'title'" : "";
      rows.push(
        ...await tx.query(
          `select '${table}' as "table", (to_jsonb(t)${derived})::text as row ` +
            `from pgrag.${table} t order by 2`,
        ),
      );
    }
    return rows;
  });
}

describe("upgrading an install of release 0.1.0", () => {
  let databases: FreshDatabase[] = [];
  afterEach(async () => {
    await Promise.all(databases.map((d) => d.done()));
    databases = [];
  });

  it("ends with the catalog of a fresh install and every row intact", async () => {
    const [old, fresh] = await Promise.all([
      freshDatabase("pgrag_upgrade"),
      freshDatabase("pgrag_install"),
    ]);
    databases = [old, fresh];
    const schema = await loadProjectSchema();

    await installRelease(old.first);
    await writeData(old.first);
    const before = await dataOf(old.first);
    const upgrade = await migrate(old.first, schema, { embeddingDim: TEST_EMBEDDING_DIM });
    // The released tables are all there: only migrations added since the release run, and every
    // logic file does.
    const added = schema.migrations.map((m) => m.version).filter((v) => !(v in RELEASED_CHECKSUMS));
    expect(upgrade).toEqual({ versions: added, logic: schema.logic.map((file) => file.name) });

    await migrate(fresh.first, schema, { embeddingDim: TEST_EMBEDDING_DIM });
    const [upgraded, installed] = await Promise.all([
      old.first.transaction(schemaSnapshot),
      fresh.first.transaction(schemaSnapshot),
    ]);
    expect(installed.length).toBeGreaterThan(500);
    expect(upgraded).toEqual(installed);
    expect(await dataOf(old.first)).toEqual(before);

    // The upgraded functions serve the old rows.
    const [[read]] = await old.first.run({ role: "api", tenantId: TENANT }, [{
      text: "select pgrag.get_chunks($1::text::json, true) as result",
      params: [JSON.stringify(["chunk-1"])],
    }]);
    expect(read.result).toMatchObject([{ id: "chunk-1", embedding: [1, 0, 0] }]);

    // The keyword vectors hold the document's title now, and the statistics kept on write
    // (tables added since the release among them) equal a recount of them.
    const [vectors, kept, counted, sums, summed] = await old.first.run(
      { role: "api", tenantId: TENANT },
      [
        { text: "select id, title, content_tsv::text as keywords from pgrag.chunks order by 1" },
        { text: "select lexeme, chunks::int from pgrag.keyword_lexemes order by 1" },
        {
          text: `select l.lexeme, count(*)::int as chunks
                   from pgrag.chunks c, unnest(tsvector_to_array(c.content_tsv)) l(lexeme)
                  group by 1 order by 1`,
        },
        { text: "select chunks::int, lexemes::int from pgrag.keyword_statistics" },
        {
          text: `select count(*)::int as chunks, sum(length(content_tsv))::int as lexemes
                   from pgrag.chunks`,
        },
      ],
    );
    expect(vectors).toEqual([
      // The title twice: its words weigh double (see the migration).
      { id: "chunk-1", title: "One", keywords: "'keep':4 'one':1,2 'postgresql':3" },
      { id: "chunk-2", title: "One", keywords: "'one':1,2" },
    ]);
    expect(counted.length).toBeGreaterThan(0);
    expect(kept).toEqual(counted);
    expect(sums).toEqual(summed);
  });
});
