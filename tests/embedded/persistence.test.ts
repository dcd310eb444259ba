import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../shared/config.ts";
import { openDatabase } from "../../shared/db/open.ts";

describe("the embedded database", () => {
  const dataDir = Deno.makeTempDirSync({ prefix: "pgrag-embedded-" });
  afterAll(() => Deno.remove(dataDir, { recursive: true }));
  const config = parseConfig({
    PGRAG_DATA_DIR: `${dataDir}/nested/data`,
    PGRAG_EMBEDDING_DIM: "3",
  });

  it("migrates itself on first open and keeps its data across a restart", async () => {
    expect(config).toMatchObject({ driver: "pglite", migrateOnStart: true });
    const first = await openDatabase(config);
    const [[tenant]] = await first.run({ role: "admin" }, [{
      text: "insert into pgrag.tenants (name, slug) values ('Kept', 'kept') returning id",
    }]);
    await first.run({ role: "api", tenantId: tenant.id as string }, [{
      text:
        "insert into pgrag.documents (tenant_id, id, content) values ($1, 'doc-1', 'kept text')",
      params: [tenant.id],
    }]);
    await first.close();

    const second = await openDatabase(config);
    const [rows] = await second.run({ role: "api", tenantId: tenant.id as string }, [{
      text: "select id, content from pgrag.documents",
    }]);
    expect(rows).toEqual([{ id: "doc-1", content: "kept text" }]);
    await second.close();
  });

  it("refuses a data folder of another PostgreSQL major version, saying what to do", async () => {
    const old = `${dataDir}/from-postgresql-16`;
    Deno.mkdirSync(old);
    Deno.writeTextFileSync(`${old}/PG_VERSION`, "16\n");
    const opening = openDatabase(parseConfig({ PGRAG_DATA_DIR: old, PGRAG_EMBEDDING_DIM: "3" }));
    await expect(opening).rejects.toThrow(/holds a PostgreSQL 16 database.*embeds PostgreSQL 17/);
    // Nothing was written into the folder it refused.
    expect([...Deno.readDirSync(old)].map((entry) => entry.name)).toEqual(["PG_VERSION"]);
  });
});
