import { Buffer } from "node:buffer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiResponse, openTestApi, type TestApi } from "../support/api.ts";

const ADMIN_KEY = "test-admin-key-0123456789abcdef0123456789";

describe("admin API: onboarding a tenant", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi({ PGRAG_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(() => api.close());

  const admin = (method: string, path: string, body?: unknown, key = ADMIN_KEY) =>
    api.request(method, path, { key: null, body, headers: { Authorization: `Bearer ${key}` } });

  it("creates a tenant, issues a key that works at once, and revokes it at once", async () => {
    const slug = `acme-${crypto.randomUUID().slice(0, 8)}`;
    const created = await admin("POST", "/admin/tenants", {
      name: "Acme",
      slug,
      max_documents: 10,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Acme", slug, status: "active", max_documents: 10 });
    expect((await admin("GET", `/admin/tenants/${created.body.id}`)).body.slug).toBe(slug);
    expect((await admin("POST", "/admin/tenants", { name: "Again", slug })).status).toBe(409);

    const issued = await admin("POST", `/admin/tenants/${created.body.id}/api-keys`, {
      name: "ingest",
      role: "writer",
    });
    expect(issued.status).toBe(201);
    expect(issued.body.key).toMatch(/^pgrag_/);
    expect(issued.body.key.startsWith(issued.body.prefix)).toBe(true);
    const stored = await api.test.db.transaction((tx) =>
      tx.query("select * from pgrag.api_keys where id = $1", [issued.body.id])
    );
    expect(JSON.stringify(stored)).not.toContain(issued.body.key);

    const write = await api.request("POST", "/documents", {
      key: issued.body.key,
      body: { documents: [{ content: "hello from acme" }] },
    });
    expect(write.status).toBe(200);
    expect((await admin("DELETE", `/admin/api-keys/${issued.body.id}`)).status).toBe(204);
    expect((await api.request("GET", "/documents", { key: issued.body.key })).status).toBe(401);
  });

  it("refuses a wrong admin key, a tenant key, and unknown ids", async () => {
    expect((await admin("GET", `/admin/tenants/${api.tenantId}`, undefined, "x".repeat(40))).status)
      .toBe(401);
    const withTenantKey = await api.request("GET", `/admin/tenants/${api.tenantId}`);
    expect(withTenantKey.status).toBe(401);
    expect((await api.request("GET", "/admin/tenants")).status).toBe(401);
    const patch = {
      key: null,
      body: { status: "suspended" },
      headers: { Authorization: "Bearer x" },
    };
    expect((await api.request("PATCH", `/admin/tenants/${api.tenantId}`, patch)).status).toBe(401);
    expect((await admin("GET", `/admin/tenants/${api.tenantId}`)).body.status).toBe("active");
    const unknown = crypto.randomUUID();
    expect((await admin("GET", `/admin/tenants/${unknown}`)).status).toBe(404);
    expect(
      (await admin("POST", `/admin/tenants/${unknown}/api-keys`, { name: "k", role: "reader" }))
        .status,
    ).toBe(404);
    expect((await admin("GET", "/admin/tenants/not-a-uuid")).status).toBe(400);
  });
});

describe("admin API: listing and changing tenants", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi({ PGRAG_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(() => api.close());

  const admin = (method: string, path: string, body?: unknown) =>
    api.request(method, path, {
      key: null,
      body,
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });

  const createTenant = async (fields: Record<string, unknown> = {}) => {
    const slug = `adm-${crypto.randomUUID().slice(0, 13)}`;
    const created = await admin("POST", "/admin/tenants", {
      name: `Tenant ${slug}`,
      slug,
      ...fields,
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  /** Every page of a listing; other tests add tenants meanwhile, so pages are checked locally. */
  const walk = async (query: string, between?: () => Promise<unknown>) => {
    const items: { id: string; status: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await admin(
        "GET",
        `/admin/tenants?${query}${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(Number(/limit=(\d+)/.exec(query)![1]));
      items.push(...page.body.items);
      cursor = page.body.next_cursor;
      await between?.();
    } while (cursor);
    return items;
  };

  // Compared by PostgreSQL: the JSON timestamps carry microseconds, which Date would drop.
  const isLater = async (later: string, earlier: string) => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ later: boolean }>("select $1::timestamptz > $2::timestamptz as later", [
        later,
        earlier,
      ])
    );
    return row.later;
  };

  it("walks every tenant exactly once, oldest first, across small pages", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await createTenant()).id);
    let addedDuringWalk: string | undefined;
    const seen = await walk("limit=3", async () => {
      addedDuringWalk ??= (await createTenant()).id;
    });
    const ids = seen.map((tenant) => tenant.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => mine.includes(id))).toEqual(mine);
    // Tenants created mid-walk are newer than every cursor, so a walk reaches them.
    expect(ids).toContain(addedDuringWalk);
    expect(ids).toContain(api.tenantId);
  });

  it("filters by status", async () => {
    const [kept, suspended] = [await createTenant(), await createTenant()];
    expect((await admin("PATCH", `/admin/tenants/${suspended.id}`, { status: "suspended" })).status)
      .toBe(200);
    const listed = await walk("status=suspended&limit=2");
    expect(listed.every((tenant) => tenant.status === "suspended")).toBe(true);
    const ids = listed.map((tenant) => tenant.id);
    expect(ids).toContain(suspended.id);
    expect(ids).not.toContain(kept.id);
  });

  it("refuses cursors it did not make, and limits out of range", async () => {
    await createTenant();
    await createTenant();
    const first = await admin("GET", "/admin/tenants?limit=1");
    const cursor: string = first.body.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const forged = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString("base64url");
    const tampered = [
      `${cursor.slice(0, -3)}AAA`,
      "not a cursor",
      forged({ o: "created_at", v: "2026-01-01T00:00:00.000000Z", i: "1 or 1=1" }),
      forged({ o: "created_at", v: null, i: api.tenantId }),
      forged({ o: "id", v: null, i: api.tenantId }),
    ];
    for (const bad of tampered) {
      const response = await admin("GET", `/admin/tenants?cursor=${encodeURIComponent(bad)}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.code).toBe("validation_failed");
      expect(response.body.errors[0].path).toBe("cursor");
    }
    for (const limit of ["0", "201", "x"]) {
      const response = await admin("GET", `/admin/tenants?limit=${limit}`);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].path).toBe("limit");
    }
    expect((await admin("GET", "/admin/tenants?status=gone")).status).toBe(400);
  });

  it("PATCH changes only the fields sent and bumps updated_at", async () => {
    const before = await createTenant({
      settings: { language: "en", depth: 2 },
      max_documents: 10,
      max_storage_mb: 100,
      monthly_budget_usd: 25.5,
    });
    const patched = await admin("PATCH", `/admin/tenants/${before.id}`, {
      name: "  Renamed  ",
      settings: { language: "fr" },
      max_documents: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      ...before,
      name: "Renamed",
      settings: { language: "fr" },
      max_documents: null,
      updated_at: patched.body.updated_at,
    });
    expect(await isLater(patched.body.updated_at, before.updated_at)).toBe(true);
    expect((await admin("GET", `/admin/tenants/${before.id}`)).body).toEqual(patched.body);

    const budget = await admin("PATCH", `/admin/tenants/${before.id}`, {
      monthly_budget_usd: null,
      max_storage_mb: 0,
    });
    expect(budget.body).toMatchObject({
      name: "Renamed",
      max_documents: null,
      max_storage_mb: 0,
      monthly_budget_usd: null,
    });
  });

  it("PATCH refuses bad input and changes nothing", async () => {
    const before = await createTenant({ max_documents: 3 });
    const refused: [unknown, string][] = [
      [{}, "json"],
      [{ nickname: "x" }, "nickname"],
      [{ slug: "new-slug" }, "slug"],
      [{ status: "deleted" }, "status"],
      [{ status: "paused" }, "status"],
      [{ max_documents: -1 }, "max_documents"],
      [{ max_documents: 1.5 }, "max_documents"],
      [{ max_storage_mb: "10" }, "max_storage_mb"],
      [{ monthly_budget_usd: -0.01 }, "monthly_budget_usd"],
      [{ name: "   " }, "name"],
      [{ settings: ["a"] }, "settings"],
      [{ name: "ok", slug: "new-slug" }, "slug"],
    ];
    for (const [body, path] of refused) {
      const response = await admin("PATCH", `/admin/tenants/${before.id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe("validation_failed");
      expect(response.body.errors[0].path, JSON.stringify(body)).toBe(path);
    }
    const unknownField = await admin("PATCH", `/admin/tenants/${before.id}`, { slug: "x" });
    expect(unknownField.body.errors[0]).toEqual({
      path: "slug",
      message: "this field cannot be changed",
    });
    expect((await admin("GET", `/admin/tenants/${before.id}`)).body).toEqual(before);
  });

  it("PATCH and the key listing answer 404 for an unknown tenant", async () => {
    const unknown = crypto.randomUUID();
    expect((await admin("PATCH", `/admin/tenants/${unknown}`, { name: "x" })).status).toBe(404);
    expect((await admin("GET", `/admin/tenants/${unknown}/api-keys`)).status).toBe(404);
    expect((await admin("PATCH", "/admin/tenants/not-a-uuid", { name: "x" })).status).toBe(400);
  });

  it("suspending a tenant refuses its keys at once; reactivating restores them", async () => {
    const tenant = await createTenant();
    const issued = await admin("POST", `/admin/tenants/${tenant.id}/api-keys`, {
      name: "app",
      role: "writer",
    });
    const key: string = issued.body.key;
    const write = () =>
      api.request("POST", "/documents", { key, body: { documents: [{ content: "suspend me" }] } });
    const read = () => api.request("GET", "/documents", { key });
    expect((await write()).status).toBe(200);

    const suspended = await admin("PATCH", `/admin/tenants/${tenant.id}`, { status: "suspended" });
    expect(suspended.body.status).toBe("suspended");
    for (const response of [await read(), await write()]) {
      expect(response.status).toBe(403);
      expect(response.body.code).toBe("tenant_suspended");
    }

    const active = await admin("PATCH", `/admin/tenants/${tenant.id}`, { status: "active" });
    expect(active.body.status).toBe("active");
    expect((await write()).status).toBe(200);
    const listed = await read();
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
  });

  it("lists a tenant's keys with revocations and never a secret", async () => {
    const tenant = await createTenant();
    expect((await admin("GET", `/admin/tenants/${tenant.id}/api-keys`)).body).toEqual({
      items: [],
    });
    const issue = (name: string, role: string) =>
      admin("POST", `/admin/tenants/${tenant.id}/api-keys`, { name, role });
    const kept = (await issue("reads", "reader")).body;
    const revoked = (await issue("writes", "writer")).body;
    expect((await admin("DELETE", `/admin/api-keys/${revoked.id}`)).status).toBe(204);

    const listed = await admin("GET", `/admin/tenants/${tenant.id}/api-keys`);
    expect(listed.status).toBe(200);
    const { key: _keptSecret, ...keptShown } = kept;
    const { key: _revokedSecret, ...revokedShown } = revoked;
    expect(listed.body.items).toEqual([
      { ...keptShown, last_used_at: null, revoked_at: null },
      { ...revokedShown, last_used_at: null, revoked_at: expect.any(String) },
    ]);
    expect(await isLater(listed.body.items[1].revoked_at, revoked.created_at)).toBe(true);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(kept.key);
    expect(text).not.toContain(revoked.key);
    expect(text).not.toContain("hash");
    // Another tenant's keys stay out of the listing.
    const others = await admin("GET", `/admin/tenants/${api.tenantId}/api-keys`);
    expect(others.body.items.map((key: { id: string }) => key.id)).not.toContain(kept.id);
  });
});

describe("admin API without PGRAG_ADMIN_KEY", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  it("is closed", async () => {
    const response = await api.request("POST", "/admin/tenants", {
      key: null,
      body: { name: "x", slug: "x" },
      headers: { Authorization: "Bearer anything-anything-anything-anything" },
    });
    expect(response.status).toBe(403);
  });
});
