import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../shared/app.ts";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { parseConfig } from "../../shared/config.ts";
import { type FreshDatabase, freshDatabase } from "../support/fresh-database.ts";

const ADMIN_KEY = "an-admin-key-that-is-long-enough-for-pgrag-0123";

describe("a database that was never migrated", () => {
  let fresh: FreshDatabase;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    fresh = await freshDatabase("pgrag_unmigrated");
    app = createApp({
      config: parseConfig({ PGRAG_ADMIN_KEY: ADMIN_KEY }),
      database: () => Promise.resolve(fresh.first),
    });
  });
  afterAll(() => fresh?.done());

  const send = async (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ) => {
    const response = await app.request(`/rag/v1${path}`, {
      method,
      headers: { ...headers, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: await response.json() };
  };

  it("GET /health answers 503 schema_not_ready, naming the command that fixes it", async () => {
    const health = await send("GET", "/health", {});
    expect(health).toMatchObject({
      status: 503,
      body: { status: "degraded", db: "schema_not_ready" },
    });
    expect(health.body.detail).toContain("deno task db:migrate");
  });

  it("answers tenant and admin routes 503 schema_not_ready, never 400 or 500", async () => {
    const { key } = await issueApiKey();
    const tenant = { "X-API-Key": key };
    const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
    const requests: [string, string, Record<string, string>, unknown?][] = [
      ["POST", "/documents", tenant, { documents: [{ content: "x" }] }],
      ["GET", "/documents/some-id", tenant],
      ["POST", "/search", tenant, { query: "x" }],
      ["GET", "/admin/tenants", admin],
      ["POST", "/admin/tenants", admin, { name: "Acme", slug: "acme" }],
    ];
    for (const [method, path, headers, body] of requests) {
      const response = await send(method, path, headers, body);
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(response.body.code, `${method} ${path}`).toBe("schema_not_ready");
      expect(response.body.detail).toContain("deno task db:migrate");
    }
  });

  it("still answers 401 to a request without credentials: that needs no database", async () => {
    expect((await send("GET", "/documents", {})).status).toBe(401);
  });
});
