import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

/** Transaction-local settings, in the order they are set; the value `null` leaves one unset. */
type Settings = [name: string, value: string | null][];

const claims = (value: object) => JSON.stringify(value);

/**
 * Clients that reach the database through Supabase's PostgREST carry their tenant in
 * `request.jwt.claims`, not in `pgrag.tenant_id`. These tests stand in for PostgREST: they switch
 * the connecting role (a superuser in tests) to the API role and set the claims, both local to
 * the transaction, then look at what row level security lets through.
 */
describe("pgrag.current_tenant_id() from request.jwt.claims", () => {
  let api: TestApi;
  let tenantA: string;
  let tenantB: string;
  const idsOfA = ["claims-a1", "claims-a2"];
  const idsOfB = ["claims-b1"];

  beforeAll(async () => {
    api = await openTestApi();
    tenantA = api.tenantId;
    const b = await api.addTenant();
    tenantB = b.tenantId;
    for (const [key, ids] of [[api.keys.writer, idsOfA], [b.keys.writer, idsOfB]] as const) {
      const response = await api.request("POST", "/documents", {
        key,
        body: { documents: ids.map((id) => ({ id, content: `the text of ${id}` })) },
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(() => api.close());

  /** Runs `text` as pgrag_api after applying `settings`, in one transaction. */
  function asApiRole<R extends Record<string, unknown>>(
    settings: Settings,
    text: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    return api.test.db.transaction(async (tx) => {
      await tx.query("set local role pgrag_api");
      for (const [name, value] of settings) {
        if (value !== null) await tx.query("select set_config($1, $2, true)", [name, value]);
      }
      return await tx.query<R>(text, params);
    });
  }

  async function visibleDocuments(settings: Settings) {
    const rows = await asApiRole<{ tenant_id: string; id: string }>(
      settings,
      "select tenant_id::text as tenant_id, id from pgrag.documents order by id",
    );
    return rows.map((row) => `${row.tenant_id}/${row.id}`);
  }

  const documentsOf = (tenantId: string, ids: string[]) => ids.map((id) => `${tenantId}/${id}`);

  const plant = (settings: Settings, tenantId: string) =>
    asApiRole(
      settings,
      "insert into pgrag.documents (tenant_id, id, content) values ($1, 'planted', 'x')",
      [tenantId],
    );

  it("shows exactly A's documents for app_metadata.tenant_id, with pgrag.tenant_id unset or empty", async () => {
    const appMetadata = claims({ role: "authenticated", app_metadata: { tenant_id: tenantA } });
    for (const own of [null, ""]) {
      const visible = await visibleDocuments([
        ["pgrag.tenant_id", own],
        ["request.jwt.claims", appMetadata],
      ]);
      expect(visible).toEqual(documentsOf(tenantA, idsOfA));
    }
    const [who] = await asApiRole<{ role: string; tenant: string }>(
      [["request.jwt.claims", appMetadata]],
      "select current_user as role, pgrag.current_tenant_id()::text as tenant",
    );
    expect(who).toEqual({ role: "pgrag_api", tenant: tenantA });
  });

  it("reads a top-level tenant_id claim the same way", async () => {
    const visible = await visibleDocuments([
      ["pgrag.tenant_id", ""],
      ["request.jwt.claims", claims({ sub: "user-1", tenant_id: tenantA })],
    ]);
    expect(visible).toEqual(documentsOf(tenantA, idsOfA));
  });

  it("shows only B's documents for B's claims", async () => {
    for (const shape of [{ app_metadata: { tenant_id: tenantB } }, { tenant_id: tenantB }]) {
      const visible = await visibleDocuments([["request.jwt.claims", claims(shape)]]);
      expect(visible).toEqual(documentsOf(tenantB, idsOfB));
    }
  });

  it("prefers app_metadata.tenant_id, which users cannot edit, over a top-level tenant_id", async () => {
    const both = claims({ tenant_id: tenantB, app_metadata: { tenant_id: tenantA } });
    expect(await visibleDocuments([["request.jwt.claims", both]])).toEqual(
      documentsOf(tenantA, idsOfA),
    );
  });

  it("lets pgrag.tenant_id win over the claims when it is set", async () => {
    const visible = await visibleDocuments([
      ["request.jwt.claims", claims({ app_metadata: { tenant_id: tenantA } })],
      ["pgrag.tenant_id", tenantB],
    ]);
    expect(visible).toEqual(documentsOf(tenantB, idsOfB));
  });

  it("keeps a claims tenant to its own rows: another tenant's insert is refused", async () => {
    const asA: Settings = [[
      "request.jwt.claims",
      claims({ app_metadata: { tenant_id: tenantA } }),
    ]];
    await expect(plant(asA, tenantB)).rejects.toMatchObject({ sqlstate: "42501" });
    expect(await visibleDocuments([["pgrag.tenant_id", tenantB]])).toEqual(
      documentsOf(tenantB, idsOfB),
    );
  });

  it("fails closed without a tenant: nothing visible, inserts refused", async () => {
    const withoutTenant: Settings[] = [
      [],
      [["pgrag.tenant_id", ""], ["request.jwt.claims", ""]],
      [["request.jwt.claims", claims({ sub: "user-1", role: "authenticated" })]],
      [["request.jwt.claims", claims({ app_metadata: { provider: "email" } })]],
    ];
    for (const settings of withoutTenant) {
      expect(await visibleDocuments(settings)).toEqual([]);
      const [tenant] = await asApiRole<{ id: string | null }>(
        settings,
        "select pgrag.current_tenant_id() as id",
      );
      expect(tenant.id).toBeNull();
      for (const target of [tenantA, tenantB]) {
        await expect(plant(settings, target)).rejects.toMatchObject({
          sqlstate: "42501",
        });
      }
    }
    expect(await visibleDocuments([["pgrag.tenant_id", tenantA]])).toEqual(
      documentsOf(tenantA, idsOfA),
    );
  });
});
