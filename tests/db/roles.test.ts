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
    const names = ["pgrag_admin", "pgrag_api", "pgrag_maintenance", "pgrag_search"];
    expect(roles).toEqual(names.map((rolname) => ({
      rolname,
      rolcanlogin: false,
      rolbypassrls: false,
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
    })));
  });

  it("own nothing but the key check, the search probes and the books (maintenance)", async () => {
    const owned = await test.db.transaction((tx) =>
      tx.query(
        "select r.rolname, c.relname as name from pg_class c " +
          "join pg_roles r on r.oid = c.relowner where r.rolname like 'pgrag\\_%' " +
          "and c.relkind in ('r', 'p', 'm', 'v', 'S', 'f') and not c.relispartition " +
          "union all select r.rolname, p.proname from pg_proc p " +
          "join pg_roles r on r.oid = p.proowner where r.rolname like 'pgrag\\_%' " +
          "order by 1, 2",
      )
    );
    expect(owned).toEqual([
      { rolname: "pgrag_admin", name: "authenticate_api_key" },
      { rolname: "pgrag_maintenance", name: "audit_logs" },
      { rolname: "pgrag_maintenance", name: "cost_tracking" },
      { rolname: "pgrag_maintenance", name: "count_tenant_usage" },
      { rolname: "pgrag_maintenance", name: "create_monthly_partitions" },
      { rolname: "pgrag_maintenance", name: "embedding_tenants" },
      { rolname: "pgrag_maintenance", name: "refresh_tenant_statistics" },
      { rolname: "pgrag_maintenance", name: "tenant_statistics" },
      { rolname: "pgrag_maintenance", name: "tenant_statistics_json" },
      { rolname: "pgrag_search", name: "graph_rows_citing" },
      { rolname: "pgrag_search", name: "graph_vector_arm" },
      { rolname: "pgrag_search", name: "keyword_arm" },
      { rolname: "pgrag_search", name: "label_matches" },
      { rolname: "pgrag_search", name: "vector_arm" },
    ]);
  });

  it("keep the audit and cost partitions with their parents' owner, months ahead", async () => {
    const partitions = await test.db.transaction((tx) =>
      tx.query<{ parent: string; name: string; owner: string }>(
        "select p.relname as parent, c.relname as name, pg_get_userbyid(c.relowner) as owner " +
          "from pg_inherits i join pg_class c on c.oid = i.inhrelid " +
          "join pg_class p on p.oid = i.inhparent " +
          "where p.relname in ('audit_logs', 'cost_tracking') order by 1, 2",
      )
    );
    const month = (ahead: number) => {
      const now = new Date();
      const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1));
      return `${date.getUTCFullYear()}_${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
    };
    for (const parent of ["audit_logs", "cost_tracking"]) {
      const names = partitions.filter((p) => p.parent === parent).map((p) => p.name);
      for (const ahead of [0, 1, 2]) expect(names).toContain(`${parent}_${month(ahead)}`);
    }
    for (const partition of partitions) expect(partition.owner).toBe("pgrag_maintenance");
  });

  it("find row level security enabled and forced on every pgrag table", async () => {
    const tables = await test.db.transaction((tx) =>
      tx.query(
        "select c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c " +
          "join pg_namespace n on n.oid = c.relnamespace " +
          "where n.nspname = 'pgrag' and c.relkind in ('r', 'p') and not c.relispartition " +
          "and c.relname not in ('schema_migrations', 'schema_logic', 'settings') order by c.relname",
      )
    );
    expect(tables.map((t) => t.relname)).toEqual([
      "api_keys",
      "audit_logs",
      "chunks",
      "cost_tracking",
      "documents",
      "embedding_queue",
      "entities",
      "keyword_lexemes",
      "keyword_statistics",
      "kv_entries",
      "llm_cache",
      "namespace_vectors",
      "relations",
      "tenant_usage",
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
