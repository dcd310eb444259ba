import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

describe("API keys on tenant routes", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
    await api.request("POST", "/documents", {
      body: {
        documents: [{
          id: "a-doc",
          content: "tenant a",
          chunks: [{ id: "a-chunk", content: "tenant a" }],
        }],
      },
    });
    await api.request("PUT", "/cache/a-key", {
      body: { cache_type: "extract", prompt: "a", response: "a" },
    });
  });
  afterAll(() => api.close());

  it("answers 401 without a key, with a malformed key and with an unknown key", async () => {
    for (const key of [null, "not-a-key", (await issueApiKey()).key]) {
      const response = await api.request("GET", "/documents", { key });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe("unauthenticated");
    }
  });

  it("lets a reader read and refuses its writes with 403", async () => {
    const key = api.keys.reader;
    expect((await api.request("GET", "/documents/a-doc", { key })).status).toBe(200);
    expect((await api.request("POST", "/documents/get", { key, body: { ids: ["a-doc"] } })).status)
      .toBe(200);
    expect((await api.request("GET", "/cache/a-key", { key })).status).toBe(200);
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    for (
      const [method, path, body] of [
        ["POST", "/documents", { documents: [{ content: "reader write" }] }],
        ["DELETE", "/documents/a-doc", undefined],
        ["POST", "/chunks/delete", { ids: ["a-chunk"] }],
        ["PUT", "/cache/a-key", { cache_type: "x", prompt: "x", response: "x" }],
      ] as const
    ) {
      const response = await api.request(method, path, { key, body });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe("forbidden");
    }
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });

  it("stops a revoked key on its next request", async () => {
    const { keys, tenantId } = await api.addTenant();
    expect((await api.request("GET", "/documents", { key: keys.writer })).status).toBe(200);
    await api.test.db.run({ role: "admin" }, [{
      text: "update pgrag.api_keys set revoked_at = now() where tenant_id = $1 and role = 'writer'",
      params: [tenantId],
    }]);
    expect((await api.request("GET", "/documents", { key: keys.writer })).status).toBe(401);
  });

  it("answers 403 tenant_suspended on every route of a suspended tenant", async () => {
    const { keys, tenantId } = await api.addTenant();
    await api.test.db.run({ role: "admin" }, [{
      text: "update pgrag.tenants set status = 'suspended' where id = $1",
      params: [tenantId],
    }]);
    for (
      const [method, path, body] of [
        ["GET", "/documents", undefined],
        ["POST", "/documents", { documents: [{ content: "suspended" }] }],
        ["GET", "/cache/x", undefined],
      ] as const
    ) {
      const response = await api.request(method, path, { key: keys.writer, body });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe("tenant_suspended");
    }
  });

  it("gives tenant B 404s and empty answers for tenant A's ids, and never A's data", async () => {
    const b = await api.addTenant();
    const key = b.keys.writer;
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const expectations: [string, string, unknown, number][] = [
      ["GET", "/documents/a-doc", undefined, 404],
      ["PATCH", "/documents/a-doc/status", { status: "failed" }, 404],
      ["DELETE", "/documents/a-doc", undefined, 404],
      ["GET", "/chunks/a-chunk", undefined, 404],
      ["PUT", "/chunks/embeddings", { items: [{ id: "a-chunk", embedding: [1, 0, 0] }] }, 404],
      [
        "POST",
        "/chunks",
        { chunks: [{ document_id: "a-doc", content: "x", chunk_index: 0 }] },
        404,
      ],
      ["GET", "/cache/a-key", undefined, 404],
    ];
    for (const [method, path, body, status] of expectations) {
      const response = await api.request(method, path, { key, body });
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
    }
    const got = await api.request("POST", "/documents/get", { key, body: { ids: ["a-doc"] } });
    expect(got.body.items).toEqual([null]);
    const chunks = await api.request("POST", "/chunks/get", { key, body: { ids: ["a-chunk"] } });
    expect(chunks.body.items).toEqual([null]);
    const missing = await api.request("POST", "/documents/missing", {
      key,
      body: { ids: ["a-doc"] },
    });
    expect(missing.body.missing).toEqual(["a-doc"]);
    const listed = await api.request("GET", "/documents", { key });
    expect(listed.body.items).toEqual([]);
    const counts = await api.request("GET", "/documents/status-counts", { key });
    expect(counts.body.all).toBe(0);
    for (const path of ["/documents/delete", "/chunks/delete"]) {
      const response = await api.request("POST", path, {
        key,
        body: { ids: ["a-doc", "a-chunk"] },
      });
      expect(response.body.deleted).toBe(0);
    }
    const cache = await api.request("POST", "/cache/delete", {
      key,
      body: { cache_type: "extract" },
    });
    expect(cache.body.deleted).toBe(0);
    // B writing a document under A's id creates B's own row and leaves A's untouched.
    const own = await api.request("POST", "/documents", {
      key,
      body: { documents: [{ id: "a-doc", content: "tenant b" }] },
    });
    expect(own.body.documents[0].created).toBe(true);
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });
});
