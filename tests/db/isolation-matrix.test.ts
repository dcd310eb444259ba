import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessLevel, Database, Queryable } from "../../shared/db/database.ts";
import { DatabaseError, toDatabaseError } from "../../shared/db/errors.ts";
import { openTestApi, type TestApi } from "../support/api.ts";
import type { EmbeddingStandIn } from "../support/embedding-stand-in.ts";
import { standInProvider } from "../support/embedding-provider.ts";
import { inRolledBackTransaction, listTenantTables } from "../support/catalog.ts";

/**
 * Every tenant table the catalog knows, crossed with SELECT, INSERT, UPDATE and DELETE, run as
 * pgrag_api for the tenant that owns the rows, for another tenant and with no tenant at all.
 * Each case runs in a transaction that is rolled back, so the cases cannot see each other.
 */

interface Tenant {
  label: "A" | "B";
  tenantId: string;
  keys: Record<AccessLevel, string>;
}

const COMMANDS = ["SELECT", "INSERT", "UPDATE", "DELETE"] as const;
type Command = typeof COMMANDS[number];

const CONTEXTS = ["own", "other", "none"] as const;
type Context = typeof CONTEXTS[number];

// One transaction per case: a few hundred of them take seconds over the Neon drivers' proxies.
const MATRIX_TIMEOUT_MS = 120_000;

interface TableFacts {
  /** Qualified and quoted, ready for SQL text. */
  name: string;
  granted: Record<Command, boolean>;
  /** What an INSERT can name: live columns that are neither generated nor identity ALWAYS. */
  insertableColumns: string;
}

/**
 * Writes at least one row of every tenant table for `tenant` through the HTTP API, with the
 * tenant's own writer key. A tenant table added later fails "seeds a row of each" until a write
 * for it is added here.
 */
async function seedEveryTenantTable(api: TestApi, tenant: Tenant): Promise<void> {
  // Tables filled on the side: api_keys by openTestApi and addTenant, which issue the tenant's
  // keys; audit_logs by every write below; keyword_statistics, keyword_lexemes and tenant_usage by
  // the triggers
  // on chunks and documents.
  const writes: [method: string, path: string, body: unknown][] = [
    ["POST", "/documents", {
      documents: [{
        id: `matrix-doc-${tenant.label}`,
        content: `what tenant ${tenant.label} keeps to itself`,
        chunks: [{
          id: `matrix-chunk-${tenant.label}`,
          content: `a chunk tenant ${tenant.label} keeps to itself`,
          embedding: [1, 0, 0],
        }],
      }],
    }],
    ["PUT", `/cache/matrix-key-${tenant.label}`, {
      cache_type: "extract",
      prompt: `prompt of ${tenant.label}`,
      response: `response for ${tenant.label}`,
    }],
    // Both endpoints are created as entities.
    ["POST", "/graph/relations", {
      relations: [{
        source: `Source of ${tenant.label}`,
        target: `Target of ${tenant.label}`,
        embedding: [0, 1, 0],
      }],
    }],
    // embedding_queue: a chunk stored without an embedding, for the provider (whose workers do
    // not run here, so it stays queued).
    ["POST", "/chunks", {
      chunks: [{
        id: `matrix-queued-${tenant.label}`,
        document_id: `matrix-doc-${tenant.label}`,
        chunk_index: 1,
        content: `a chunk of ${tenant.label} waiting for its embedding`,
      }],
      embedding: "auto",
    }],
    // kv_entries and namespace_vectors: LightRAG's namespaces.
    ["POST", "/kv/full_docs/upsert", {
      entries: { [`matrix-doc-${tenant.label}`]: { content: `kept by ${tenant.label}` } },
    }],
    ["POST", "/vectors/chunks/upsert", {
      records: [{ id: `matrix-vector-${tenant.label}`, embedding: [0, 0, 1] }],
    }],
    // cost_tracking
    ["POST", "/usage", {
      model_name: "matrix-model",
      provider: "matrix-provider",
      input_tokens: 10,
      output_tokens: 5,
      input_cost: 0.01,
      output_cost: 0.02,
    }],
  ];
  for (const [method, path, body] of writes) {
    const response = await api.request(method, path, { key: tenant.keys.writer, body });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`)
      .toBeLessThan(300);
  }
}

async function readTableFacts(tx: Queryable, name: string): Promise<TableFacts> {
  const [facts] = await tx.query<{
    can_select: boolean;
    can_insert: boolean;
    can_update: boolean;
    can_delete: boolean;
    insertable_columns: string;
  }>(
    `select has_table_privilege('pgrag_api', $1::regclass, 'SELECT') as can_select,
            has_table_privilege('pgrag_api', $1::regclass, 'INSERT') as can_insert,
            has_table_privilege('pgrag_api', $1::regclass, 'UPDATE') as can_update,
            has_table_privilege('pgrag_api', $1::regclass, 'DELETE') as can_delete,
            (select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
               from pg_attribute a
              where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
                and a.attgenerated = '' and a.attidentity <> 'a') as insertable_columns`,
    [name],
  );
  return {
    name,
    granted: {
      SELECT: facts.can_select,
      INSERT: facts.can_insert,
      UPDATE: facts.can_update,
      DELETE: facts.can_delete,
    },
    insertableColumns: facts.insertable_columns,
  };
}

/** Every column of every row the tenant has in the tables, read as the connecting role. */
async function fingerprint(db: Database, tables: string[], tenantId: string): Promise<string[]> {
  return await db.transaction(async (tx) => {
    const lines: string[] = [];
    for (const table of [...tables, "pgrag.tenants"]) {
      const key = table === "pgrag.tenants" ? "id" : "tenant_id";
      const [row] = await tx.query<{ line: string }>(
        `select count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '')
                  as line
           from ${table} t where t.${key} = $1`,
        [tenantId],
      );
      lines.push(`${table}: ${row.line}`);
    }
    return lines;
  });
}

/** Switches the transaction to the API role and a tenant ('' for none), as a request does. */
async function actAs(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query(
    "select set_config('role', 'pgrag_api', true), set_config('pgrag.tenant_id', $1, true), " +
      "set_config('request.jwt.claims', '', true)",
    [tenantId],
  );
}

/**
 * Runs `statement` as the API role for `tenantId` behind a savepoint. A refusal is rolled back
 * to the savepoint, which also restores the connecting role; on success the role is reset, so
 * what follows reads as the connecting role again.
 */
async function attempt<T>(
  tx: Queryable,
  tenantId: string,
  statement: () => Promise<T>,
): Promise<{ refused: string } | { value: T }> {
  await tx.query("savepoint matrix_case");
  try {
    await actAs(tx, tenantId);
    const value = await statement();
    await tx.query("reset role");
    return { value };
  } catch (error) {
    const failure = toDatabaseError(error);
    if (!(failure instanceof DatabaseError)) throw failure;
    await tx.query("rollback to savepoint matrix_case");
    return { refused: failure.sqlstate };
  }
}

/** Physical versions of the owner's rows: an UPDATE replaces them, a DELETE removes them. */
async function rowVersions(tx: Queryable, table: string, owner: string): Promise<Set<string>> {
  const rows = await tx.query<{ version: string }>(
    `select t.tableoid::text || '/' || t.ctid::text as version from ${table} t
      where t.tenant_id = $1`,
    [owner],
  );
  return new Set(rows.map((row) => row.version));
}

const refused = (sqlstate: string) => `refused (${sqlstate})`;
const sees = (ownerRows: number, foreignRows: number) =>
  `sees ${ownerRows} of the owner's rows and ${foreignRows} rows of other tenants`;
const affects = (rows: number) => `affects ${rows} of the owner's rows`;

/**
 * What happens when the API role, acting for `actor` ('' for no tenant), runs `command` against
 * the rows `owner` has in the table.
 */
function runCase(
  db: Database,
  table: TableFacts,
  command: Command,
  owner: string,
  actor: string,
): Promise<string> {
  return inRolledBackTransaction(db, async (tx) => {
    if (command === "SELECT") {
      const outcome = await attempt(
        tx,
        actor,
        () =>
          tx.query<{ owner_rows: number; foreign_rows: number }>(
            `select count(*) filter (where t.tenant_id = $1)::int as owner_rows,
                  count(*) filter (where t.tenant_id is distinct from nullif($2, '')::uuid)::int
                    as foreign_rows
             from ${table.name} t`,
            [owner, actor],
          ),
      );
      if ("refused" in outcome) return refused(outcome.refused);
      const [counts] = outcome.value;
      return sees(counts.owner_rows, counts.foreign_rows);
    }

    let row: string | undefined;
    if (command === "INSERT") {
      // The owner's own row, put back: valid in every column. It is deleted first (cascades
      // included, all rolled back) so that no unique key refuses it before the policy is asked.
      const [source] = await tx.query<{ row: string; at_table: string; at_ctid: string }>(
        `select to_jsonb(t)::text as row, t.tableoid::text as at_table, t.ctid::text as at_ctid
           from ${table.name} t where t.tenant_id = $1 limit 1`,
        [owner],
      );
      if (!source) return "has no row of the owner to insert";
      row = source.row;
      await tx.query(
        `delete from ${table.name} t where t.tableoid = $1::oid and t.ctid = $2::tid`,
        [source.at_table, source.at_ctid],
      );
    }

    const before = await rowVersions(tx, table.name, owner);
    const columns = table.insertableColumns;
    const statements: Record<Exclude<Command, "SELECT">, () => Promise<unknown>> = {
      INSERT: () =>
        tx.query(
          `insert into ${table.name} (${columns})
           select ${columns} from jsonb_populate_record(null::${table.name}, $1::text::jsonb)`,
          [row],
        ),
      // No WHERE: the statement reaches whatever the policies let it see, nothing more.
      UPDATE: () => tx.query(`update ${table.name} set tenant_id = tenant_id`),
      DELETE: () => tx.query(`delete from ${table.name}`),
    };
    const outcome = await attempt(tx, actor, statements[command]);
    if ("refused" in outcome) return refused(outcome.refused);
    const after = await rowVersions(tx, table.name, owner);
    const changed = command === "INSERT"
      ? [...after].filter((version) => !before.has(version)).length
      : [...before].filter((version) => !after.has(version)).length;
    return affects(changed);
  });
}

/** What the case must give: the owner's rows as granted, nothing for anyone else. */
function expectedOutcome(
  table: TableFacts,
  command: Command,
  context: Context,
  ownerRows: number,
): string {
  if (!table.granted[command]) return refused("42501");
  if (context === "own") {
    if (command === "SELECT") return sees(ownerRows, 0);
    return affects(command === "INSERT" ? 1 : ownerRows);
  }
  // A row written for another tenant, or for none, breaks the policy's WITH CHECK.
  if (command === "INSERT") return refused("42501");
  return command === "SELECT" ? sees(0, 0) : affects(0);
}

describe("row level security isolation matrix, in SQL as pgrag_api", () => {
  let api: TestApi;
  let tenants: [Tenant, Tenant];
  let tables: TableFacts[];
  let seededRows: Map<string, number>;
  let fingerprints: string[][];
  const tally = { cases: 0, leaks: 0 };

  let standIn: EmbeddingStandIn;

  beforeAll(async () => {
    const provider = standInProvider();
    standIn = provider.standIn;
    api = await openTestApi(provider.env, provider);
    const b = await api.addTenant();
    tenants = [
      { label: "A", tenantId: api.tenantId, keys: api.keys },
      { label: "B", ...b },
    ];
    for (const tenant of tenants) await seedEveryTenantTable(api, tenant);
    const db = api.test.db;
    tables = await db.transaction(async (tx) => {
      const facts: TableFacts[] = [];
      for (const name of await listTenantTables(tx)) facts.push(await readTableFacts(tx, name));
      return facts;
    });
    seededRows = await db.transaction(async (tx) => {
      const counts = new Map<string, number>();
      for (const table of tables) {
        for (const tenant of tenants) {
          const [row] = await tx.query<{ n: number }>(
            `select count(*)::int as n from ${table.name} where tenant_id = $1`,
            [tenant.tenantId],
          );
          counts.set(`${table.name} ${tenant.tenantId}`, row.n);
        }
      }
      return counts;
    });
    const names = tables.map((table) => table.name);
    fingerprints = await Promise.all(
      tenants.map((tenant) => fingerprint(db, names, tenant.tenantId)),
    );
  });
  afterAll(async () => {
    console.log(`isolation matrix: ${tally.cases} cases, ${tally.leaks} leaks`);
    await api?.close();
    await standIn?.close();
  });

  /**
   * Asserts one case and counts it. Any case that does not give what it should counts as a leak:
   * one that gives too little (the owner refused) would hide whether the policies work at all.
   */
  function check(actual: string, expected: string, what: string): void {
    tally.cases += 1;
    if (actual !== expected) tally.leaks += 1;
    expect.soft(actual, what).toBe(expected);
  }

  it("finds tenant tables and seeds a row of each for both tenants", () => {
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(["pgrag.documents", "pgrag.chunks", "pgrag.api_keys"]),
    );
    const unseeded = tables.flatMap((table) =>
      tenants
        .filter((tenant) => !seededRows.get(`${table.name} ${tenant.tenantId}`))
        .map((tenant) => `${table.name} (tenant ${tenant.label})`)
    );
    expect(unseeded, "add a write for them to seedEveryTenantTable").toEqual([]);
  });

  it.each(COMMANDS)(
    "%s: the owner as granted, another tenant and no tenant nothing",
    async (command) => {
      for (const table of tables) {
        for (const [owner, other] of [tenants, [...tenants].reverse()]) {
          const ownerRows = seededRows.get(`${table.name} ${owner.tenantId}`) ?? 0;
          const actors: Record<Context, string> = {
            own: owner.tenantId,
            other: other.tenantId,
            none: "",
          };
          const actorNames: Record<Context, string> = {
            own: "as that tenant",
            other: `as tenant ${other.label}`,
            none: "as no tenant",
          };
          for (const context of CONTEXTS) {
            const actual = await runCase(
              api.test.db,
              table,
              command,
              owner.tenantId,
              actors[context],
            );
            check(
              actual,
              expectedOutcome(table, command, context, ownerRows),
              `${table.name} ${command} on tenant ${owner.label}'s rows ${actorNames[context]}`,
            );
          }
        }
      }
    },
    MATRIX_TIMEOUT_MS,
  );

  it("refuses an UPDATE that moves the tenant's own rows to the other tenant", async () => {
    for (const table of tables) {
      for (const [owner, other] of [tenants, [...tenants].reverse()]) {
        const actual = await inRolledBackTransaction(api.test.db, async (tx) => {
          const outcome = await attempt(
            tx,
            owner.tenantId,
            () => tx.query(`update ${table.name} set tenant_id = $1`, [other.tenantId]),
          );
          return "refused" in outcome ? refused(outcome.refused) : "allowed";
        });
        check(
          actual,
          refused("42501"),
          `${table.name} UPDATE of tenant ${owner.label}'s rows to tenant ${other.label}`,
        );
      }
    }
  }, MATRIX_TIMEOUT_MS);

  it("shows pgrag_api its own tenants row only, and lets it change none", async () => {
    const [a, b] = tenants;
    const visible = (actor: string) =>
      inRolledBackTransaction(api.test.db, async (tx) => {
        const outcome = await attempt(tx, actor, () =>
          tx.query<{ id: string }>("select id from pgrag.tenants order by id"));
        if ("refused" in outcome) {
          return refused(outcome.refused);
        }
        return outcome.value.map((row) =>
          row.id
        ).join(",");
      });
    check(await visible(a.tenantId), a.tenantId, "pgrag.tenants SELECT as tenant A");
    check(await visible(b.tenantId), b.tenantId, "pgrag.tenants SELECT as tenant B");
    check(await visible(""), "", "pgrag.tenants SELECT with no tenant");

    const writes: Record<Exclude<Command, "SELECT">, string> = {
      INSERT: "insert into pgrag.tenants (name, slug) values ('planted', 'planted-by-api')",
      UPDATE: "update pgrag.tenants set status = 'active', name = name",
      DELETE: "delete from pgrag.tenants",
    };
    for (const [command, text] of Object.entries(writes)) {
      for (const [label, actor] of [["tenant A", a.tenantId], ["no tenant", ""]]) {
        const actual = await inRolledBackTransaction(api.test.db, async (tx) => {
          const outcome = await attempt(tx, actor, () => tx.query(text));
          return "refused" in outcome ? refused(outcome.refused) : "allowed";
        });
        check(actual, refused("42501"), `pgrag.tenants ${command} as ${label}`);
      }
    }
  });

  it("leaves every tenant table of both tenants as it was", async () => {
    const names = tables.map((table) => table.name);
    for (const [i, tenant] of tenants.entries()) {
      expect(await fingerprint(api.test.db, names, tenant.tenantId), `tenant ${tenant.label}`)
        .toEqual(fingerprints[i]);
    }
  });
});
