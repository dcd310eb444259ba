import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

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
    const unknown = crypto.randomUUID();
    expect((await admin("GET", `/admin/tenants/${unknown}`)).status).toBe(404);
    expect(
      (await admin("POST", `/admin/tenants/${unknown}/api-keys`, { name: "k", role: "reader" }))
        .status,
    ).toBe(404);
    expect((await admin("GET", "/admin/tenants/not-a-uuid")).status).toBe(400);
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
