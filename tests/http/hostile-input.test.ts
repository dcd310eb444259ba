import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { MAX_LISTED_ERRORS } from "../../shared/http/validation.ts";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

/** `{"k0": 0, "k1": 0, ...}` with `n` keys, as JSON text. */
const wideObject = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(",")}}`;
/** A value nested `depth` objects deep: `{"a": {"a": ... 1}}`. */
const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
const doc = (metadata: string) =>
  `{"documents":[{"id":"hostile","content":"t","metadata":${metadata}}]}`;
/** UTF-8 bytes of a JSON text with one byte that is not UTF-8 in place of `@`. */
const withInvalidByte = (json: string) => {
  const bytes = new TextEncoder().encode(json);
  bytes[bytes.indexOf("@".charCodeAt(0))] = 0xff;
  return bytes;
};

describe("hostile input: credentials come before the body", () => {
  let api: TestApi;
  let stranger: string;
  beforeAll(async () => {
    api = await openTestApi();
    // Shaped like a key, never issued.
    stranger = (await issueApiKey()).key;
  });
  afterAll(() => api.close());

  it.each([
    ["no credential", null],
    ["a key that was never issued", "stranger"],
  ])("%s: 401 without the body being parsed or validated", async (_name, key) => {
    for (const body of [`{"documents": [`, `{"documents":[],${wideObject(50_000).slice(1)}`]) {
      const response = await api.request("POST", "/documents", {
        key: key === "stranger" ? stranger : key,
        body,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.body).toMatchObject({ code: "unauthenticated" });
      expect(response.body.errors).toBeUndefined();
    }
  });

  it("a key that was never issued: 401 for a bad query string too, before it is described", async () => {
    const response = await api.request("GET", "/documents?limit=banana&order=sideways", {
      key: stranger,
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: "unauthenticated" });
    expect(response.body.errors).toBeUndefined();
    // The same query from a good key is described.
    const described = await api.request("GET", "/documents?limit=banana&order=sideways", {
      key: api.keys.reader,
    });
    expect(described.status).toBe(400);
    expect(described.body.errors.length).toBeGreaterThan(0);
  });

  it("a reader key on a write route: 403 before its malformed body", async () => {
    const response = await api.request("POST", "/documents", {
      key: api.keys.reader,
      body: `{"documents": [`,
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: "forbidden" });
  });

  it("an invalid JWT: 401 before its malformed body", async () => {
    const response = await api.request("POST", "/documents", {
      key: null,
      headers: { Authorization: "Bearer not.a.token" },
      body: `{"documents": [`,
    });
    expect(response.status).toBe(401);
  });

  it("a key revoked after the early check remembered it is still refused", async () => {
    const { tenantId, keys } = await api.addTenant();
    const send = () =>
      api.request("POST", "/documents", {
        key: keys.writer,
        body: { documents: [{ content: "after revocation" }] },
      });
    expect((await send()).status).toBe(200);
    await api.test.db.run({ role: "admin" }, [{
      text: "update pgrag.api_keys set revoked_at = now() where tenant_id = $1",
      params: [tenantId],
    }]);
    const refused = await send();
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: "unauthenticated" });
  });

  it("a good key still gets its body's problem", async () => {
    const response = await api.request("POST", "/documents", { body: `{"documents": [` });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: "invalid_json" });
  });
});

describe("hostile input is refused with a bounded problem and changes nothing", () => {
  let api: TestApi;
  let before: string;
  beforeAll(async () => {
    api = await openTestApi();
    const seeded = await api.request("POST", "/documents", {
      body: { documents: [{ id: "existing", content: "existing text" }] },
    });
    expect(seeded.status).toBe(200);
    before = await tenantFingerprint(api.test.db, api.tenantId);
  });
  afterAll(() => api.close());

  const refused = async (
    method: string,
    path: string,
    body: unknown,
    expected: { code: string; field?: string; message?: RegExp },
  ) => {
    const response = await api.request(method, path, { body });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.body).toMatchObject({ code: expected.code });
    if (expected.field) {
      const error = response.body.errors.find((e: { path: string }) => e.path === expected.field);
      expect(error, JSON.stringify(response.body.errors)).toBeDefined();
      if (expected.message) expect(error.message).toMatch(expected.message);
    }
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
    return response;
  };

  it("50,000 unknown top-level keys: 20 listed, the rest counted, a small reply", async () => {
    const body = `{"documents":[{"content":"t"}],${wideObject(50_000).slice(1)}`;
    const response = await refused("POST", "/documents", body, {
      code: "validation_failed",
      field: "k0",
      message: /not a known field/,
    });
    expect(response.body.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(response.body.detail).toContain(`and ${50_000 - MAX_LISTED_ERRORS} more`);
    // Before, each entry repeated every key: 1,000 keys made a 9.9 MB reply.
    expect(JSON.stringify(response.body).length).toBeLessThan(4096);
  });

  it("a key of a megabyte is named by its first 200 characters", async () => {
    const key = "k".repeat(1024 * 1024);
    const response = await api.request("POST", "/documents", {
      body: `{"documents":[{"content":"t"}],"${key}":1}`,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe(`${"k".repeat(200)}…`);
  });

  it.each([
    ["10,000 levels of metadata", doc(nested(10_000)), /at most 32 levels/],
    ["33 levels of metadata", doc(nested(33)), /at most 32 levels/],
    ["arrays count as levels", doc(`{"a":${"[".repeat(40)}${"]".repeat(40)}}`), /32 levels/],
    ["1,001 keys of metadata", doc(wideObject(1001)), /at most 1000 keys/],
    [
      "1,001 keys over nested objects",
      doc(`{"a":${wideObject(600)},"b":${wideObject(400)}}`),
      /1000 keys/,
    ],
    ["1e400 in metadata", doc('{"x":1e400}'), /range of a double/],
    ["-1e400 deep in metadata", doc('{"x":[{"y":-1e400}]}'), /range of a double/],
  ])("%s", async (_name, body, message) => {
    await refused("POST", "/documents", body, {
      code: "validation_failed",
      field: "documents[0].metadata",
      message,
    });
  });

  it.each([
    [
      "graph properties 40 levels deep",
      "/graph/entities",
      `{"entities":[{"name":"E","properties":${nested(40)}}]}`,
      "entities[0].properties",
    ],
    [
      "relation properties with 1e400",
      "/graph/relations",
      '{"relations":[{"source":"A","target":"B","properties":{"w":1e400}}]}',
      "relations[0].properties",
    ],
    [
      "a search filter 40 levels deep",
      "/search",
      `{"query":"text","filter":{"metadata":${nested(40)}}}`,
      "filter.metadata",
    ],
    [
      "chunk metadata with 1e400",
      "/chunks",
      '{"chunks":[{"document_id":"existing","content":"t","chunk_index":0,"metadata":{"x":1e400}}]}',
      "chunks[0].metadata",
    ],
    ["1e400 as top_k", "/search", '{"query":"text","top_k":1e400}', "top_k"],
  ])("%s", async (_name, path, body, field) => {
    await refused("POST", path, body, { code: "validation_failed", field });
  });

  it("cache params 40 levels deep", async () => {
    await refused(
      "PUT",
      "/cache/hostile",
      `{"cache_type":"t","prompt":"p","response":"r","params":${nested(40)}}`,
      { code: "validation_failed", field: "params", message: /32 levels/ },
    );
  });

  it("a 100,000-word query is refused by its word count", async () => {
    const query = Array.from({ length: 100_000 }, (_, i) => `w${i}`).join(" ");
    await refused("POST", "/search", { query, mode: "keyword" }, {
      code: "validation_failed",
      field: "query",
      message: /at most 1000 words/,
    });
  });

  it.each([
    ["in content", '{"documents":[{"content":"caf@"}]}'],
    ["in an id", '{"documents":[{"id":"d@","content":"text"}]}'],
    ["in a metadata key", '{"documents":[{"content":"text","metadata":{"k@":1}}]}'],
  ])("invalid UTF-8 %s is invalid_json, not U+FFFD", async (_name, json) => {
    await refused("POST", "/documents", withInvalidByte(json), { code: "invalid_json" });
  });
});

describe("hostile input that is valid is kept exactly", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  /** `__proto__` and `constructor` as own keys, next to a plain one; JSON.stringify can't write the first. */
  const PROTO_KEYS = '{"__proto__":{"polluted":true},"constructor":"c","plain":1}';
  const expectProtoKeys = (value: Record<string, unknown>) => {
    // jsonb orders keys its own way.
    expect(Object.keys(value).sort()).toEqual(["__proto__", "constructor", "plain"]);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual({ polluted: true });
    expect(value.constructor).toBe("c");
  };

  it("`__proto__` and `constructor` keys of metadata round-trip", async () => {
    const stored = await api.request("POST", "/documents", {
      body: `{"documents":[{"id":"proto","content":"text","metadata":${PROTO_KEYS},` +
        `"chunks":[{"id":"proto-0","content":"text","metadata":{"nested":${PROTO_KEYS}}}]}]}`,
    });
    expect(stored.status).toBe(200);
    expectProtoKeys((await api.request("GET", "/documents/proto")).body.metadata);
    const listed = await api.request("GET", "/documents");
    expectProtoKeys(listed.body.items.find((d: { id: string }) => d.id === "proto").metadata);
    expectProtoKeys((await api.request("GET", "/chunks/proto-0")).body.metadata.nested);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("`__proto__` keys of graph properties and cache params round-trip", async () => {
    const entity = await api.request("POST", "/graph/entities", {
      body: `{"entities":[{"name":"Proto","properties":${PROTO_KEYS}}]}`,
    });
    expect(entity.status).toBe(200);
    expectProtoKeys((await api.request("GET", "/graph/entities/Proto")).body.properties);
    const cached = await api.request("PUT", "/cache/proto", {
      body: `{"cache_type":"t","prompt":"p","response":"r","params":${PROTO_KEYS}}`,
    });
    expect(cached.status).toBe(200);
    expectProtoKeys((await api.request("GET", "/cache/proto")).body.params);
  });

  it("metadata 32 levels deep is stored and every read path serves it", async () => {
    const deep = nested(32);
    const stored = await api.request("POST", "/documents", {
      body: `{"documents":[{"id":"deep","content":"text","metadata":${deep},` +
        `"chunks":[{"id":"deep-0","content":"deep text","metadata":${deep}}]}]}`,
    });
    expect(stored.status).toBe(200);
    const read = await api.request("GET", "/documents/deep");
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body.metadata)).toBe(deep);
    expect((await api.request("GET", "/documents")).status).toBe(200);
    expect((await api.request("GET", "/chunks/deep-0")).body.metadata).toEqual(JSON.parse(deep));
    const search = await api.request("POST", "/search", {
      body: `{"query":"deep","mode":"keyword","filter":{"metadata":${deep}}}`,
    });
    expect(search.status).toBe(200);
    expect(search.body.results.map((r: { chunk_id: string }) => r.chunk_id)).toEqual(["deep-0"]);
  });

  it("a 1,000-word query runs", async () => {
    const query = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(" ");
    const response = await api.request("POST", "/search", { body: { query, mode: "keyword" } });
    expect(response.status).toBe(200);
  });
});

describe("hostile input: the audit log", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  const auditRows = async () =>
    await api.test.db.transaction(async (tx) =>
      await tx.query<{ resource_id: string | null; ip_address: string | null; success: boolean }>(
        "select resource_id, host(ip_address) as ip_address, success from pgrag.audit_logs " +
          "where tenant_id = $1 order by created_at",
        [api.tenantId],
      )
    );

  it("records a refused request whatever the length of its path parameter", async () => {
    const id = "x".repeat(5000);
    const response = await api.request("DELETE", `/documents/${id}`);
    expect(response.status).toBe(400);
    const rows = await auditRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ resource_id: "x".repeat(300), success: false });
  });

  it("takes no client address from X-Forwarded-For without a trusted proxy in front", async () => {
    const response = await api.request("DELETE", "/documents/absent", {
      headers: { "X-Forwarded-For": "203.0.113.7" },
    });
    expect(response.status).toBe(404);
    const rows = await auditRows();
    expect(rows.at(-1)).toMatchObject({ resource_id: "absent", ip_address: null });
  });
});
