import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

describe("the request roles", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase();
  });
  afterAll(() => test.close());

  it("cannot log in, bypass row level security or act as superuser", async () => {
    const roles = await test.db.transaction((tx) =>
      tx.query(
        "select rolname, rolcanlogin, rolbypassrls, rolsuper, rolcreaterole, rolcreatedb " +
          "from pg_roles where rolname like 'pgrag\\_%' order by rolname",
      )
    );
    expect(roles).toEqual(["pgrag_admin", "pgrag_api", "pgrag_search"].map((rolname) => ({
      rolname,
      rolcanlogin: false,
      rolbypassrls: false,
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
    })));
  });

  it("own nothing but the API key check (admin) and the search probes (search)", async () => {
    const owned = await test.db.transaction((tx) =>
      tx.query(
        "select r.rolname, c.relname as name from pg_class c " +
          "join pg_roles r on r.oid = c.relowner where r.rolname like 'pgrag\\_%' " +
          "union all select r.rolname, p.proname from pg_proc p " +
          "join pg_roles r on r.oid = p.proowner where r.rolname like 'pgrag\\_%' " +
          "order by 1, 2",
      )
    );
    expect(owned).toEqual([
      { rolname: "pgrag_admin", name: "authenticate_api_key" },
      { rolname: "pgrag_search", name: "graph_rows_citing" },
      { rolname: "pgrag_search", name: "graph_vector_arm" },
      { rolname: "pgrag_search", name: "keyword_arm" },
      { rolname: "pgrag_search", name: "label_matches" },
      { rolname: "pgrag_search", name: "vector_arm" },
    ]);
  });

  it("find row level security enabled and forced on every pgrag table", async () => {
    const tables = await test.db.transaction((tx) =>
      tx.query(
        "select c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c " +
          "join pg_namespace n on n.oid = c.relnamespace " +
          "where n.nspname = 'pgrag' and c.relkind in ('r', 'p') " +
          "and c.relname not in ('schema_migrations', 'settings') order by c.relname",
      )
    );
    expect(tables.map((t) => t.relname)).toEqual([
      "api_keys",
      "chunks",
      "documents",
      "entities",
      "keyword_statistics",
      "llm_cache",
      "relations",
      "tenants",
    ]);
    for (const table of tables) {
      expect(table, String(table.relname)).toMatchObject({
        relrowsecurity: true,
        relforcerowsecurity: true,
      });
    }
  });
});
