import { Buffer } from "node:buffer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

const base64Float32 = (values: number[]) =>
  Buffer.from(new Float32Array(values).buffer).toString("base64");

describe("chunks (API §4)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
    await api.request("POST", "/documents", {
      body: {
        documents: [
          { id: "doc-a", content: "document a", file_path: "a.txt", chunks: [] },
          { id: "doc-b", content: "document b", chunks: [] },
        ],
      },
    });
  });
  afterAll(() => api.close());

  const upsert = (chunks: unknown[]) => api.request("POST", "/chunks", { body: { chunks } });

  it("upserts a batch, inherits the document's file path and reports has_embedding", async () => {
    const response = await upsert([
      {
        id: "c1",
        document_id: "doc-a",
        content: "first",
        chunk_index: 0,
        tokens: 1,
        embedding: [1, 2, 3],
      },
      { id: "c2", document_id: "doc-a", content: "second", chunk_index: 1, metadata: { page: 2 } },
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ upserted: 2 });
    const c1 = await api.request("GET", "/chunks/c1");
    expect(c1.body).toMatchObject({
      id: "c1",
      document_id: "doc-a",
      chunk_index: 0,
      content: "first",
      tokens: 1,
      file_path: "a.txt",
      metadata: {},
      has_embedding: true,
    });
    expect(c1.body).not.toHaveProperty("embedding");
    const withVector = await api.request("GET", "/chunks/c1?include=embedding");
    expect(withVector.body.embedding).toEqual([1, 2, 3]);
    const c2 = await api.request("GET", "/chunks/c2");
    expect(c2.body).toMatchObject({ has_embedding: false, tokens: null, metadata: { page: 2 } });
    const document = await api.request("GET", "/documents/doc-a");
    expect(document.body).toMatchObject({ chunks_count: 2, embedded_chunks: 1 });
  });

  it("accepts base64 float32 embeddings and stores the same values", async () => {
    const values = [0.5, -0.25, 0.125];
    await upsert([{
      id: "b64",
      document_id: "doc-b",
      content: "base64",
      chunk_index: 0,
      embedding: base64Float32(values),
    }]);
    const got = await api.request("POST", "/chunks/get", {
      body: { ids: ["b64"], include_embedding: true },
    });
    expect(got.body.items[0].embedding).toEqual(values);
  });

  it("keeps a metadata key named embedding apart from the chunk's embedding", async () => {
    const response = await upsert([{
      id: "c-meta",
      document_id: "doc-a",
      chunk_index: 9,
      content: "metadata naming its model",
      embedding: [1, 0, 0],
      metadata: { embedding: "text-embedding-3-small", nested: { embedding: [1, 2] } },
    }]);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const chunk = await api.request("GET", "/chunks/c-meta?include=embedding");
    expect(chunk.body).toMatchObject({
      embedding: [1, 0, 0],
      metadata: { embedding: "text-embedding-3-small", nested: { embedding: [1, 2] } },
    });
    await api.request("POST", "/chunks/delete", { body: { ids: ["c-meta"] } });
  });

  it("derives ids from content, so re-sending is idempotent", async () => {
    const chunk = { document_id: "doc-b", content: "derived id", chunk_index: 3 };
    expect((await upsert([chunk])).status).toBe(200);
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    expect((await upsert([chunk])).status).toBe(200);
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
    const missing = await api.request("POST", "/chunks/missing", {
      body: { ids: ["chunk-" + "0".repeat(32)] },
    });
    expect(missing.body.missing).toHaveLength(1);
  });

  it("answers 404 naming the item when a document_id is not the tenant's, writing nothing", async () => {
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const response = await upsert([
      { id: "ok", document_id: "doc-a", content: "fine", chunk_index: 5 },
      { id: "orphan", document_id: "no-such-doc", content: "lost", chunk_index: 0 },
    ]);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe("not_found");
    expect(response.body.errors).toEqual([
      { path: "chunks[1].document_id", message: expect.stringContaining("no-such-doc") },
    ]);
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });

  it("moves a chunk to another document and recounts both", async () => {
    await upsert([{ id: "mover", document_id: "doc-a", content: "moving", chunk_index: 9 }]);
    const countA = (await api.request("GET", "/documents/doc-a")).body.chunks_count;
    await upsert([{ id: "mover", document_id: "doc-b", content: "moving", chunk_index: 9 }]);
    expect((await api.request("GET", "/documents/doc-a")).body.chunks_count).toBe(countA - 1);
    const got = await api.request("GET", "/chunks/mover");
    expect(got.body.document_id).toBe("doc-b");
  });

  it("gets many aligned with nulls, and missing ids", async () => {
    const got = await api.request("POST", "/chunks/get", { body: { ids: ["c2", "nope", "c1"] } });
    expect(got.body.items.map((item: { id: string } | null) => item?.id ?? null)).toEqual([
      "c2",
      null,
      "c1",
    ]);
    const missing = await api.request("POST", "/chunks/missing", { body: { ids: ["c1", "nope"] } });
    expect(missing.body).toEqual({ missing: ["nope"] });
    expect((await api.request("GET", "/chunks/nope")).status).toBe(404);
  });

  it("attaches embeddings later, all or nothing, naming an unknown id", async () => {
    const attached = await api.request("PUT", "/chunks/embeddings", {
      body: { items: [{ id: "c2", embedding: [0, 0, 1] }] },
    });
    expect(attached.body).toEqual({ updated: 1 });
    expect((await api.request("GET", "/chunks/c2")).body.has_embedding).toBe(true);

    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const refused = await api.request("PUT", "/chunks/embeddings", {
      body: { items: [{ id: "c1", embedding: [9, 9, 9] }, { id: "ghost", embedding: [1, 1, 1] }] },
    });
    expect(refused.status).toBe(404);
    expect(refused.body.errors[0].path).toBe("items[1].id");
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });

  it("drops a stale embedding when the content changes without a new one", async () => {
    await upsert([{
      id: "stale",
      document_id: "doc-a",
      content: "v1",
      chunk_index: 7,
      embedding: [1, 1, 0],
    }]);
    await upsert([{ id: "stale", document_id: "doc-a", content: "v1", chunk_index: 7 }]);
    expect((await api.request("GET", "/chunks/stale")).body.has_embedding).toBe(true);
    await upsert([{ id: "stale", document_id: "doc-a", content: "v2", chunk_index: 7 }]);
    expect((await api.request("GET", "/chunks/stale")).body.has_embedding).toBe(false);
  });

  it("deletes by id and recounts the document", async () => {
    const deleted = await api.request("POST", "/chunks/delete", {
      body: { ids: ["c1", "c2", "never"] },
    });
    expect(deleted.body).toEqual({ deleted: 2 });
    const missing = await api.request("POST", "/chunks/missing", { body: { ids: ["c1", "c2"] } });
    expect(missing.body.missing).toEqual(["c1", "c2"]);
    const document = await api.request("GET", "/documents/doc-a");
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ n: number }>(
        "select count(*)::int as n from pgrag.chunks where tenant_id = $1 and document_id = 'doc-a'",
        [api.tenantId],
      )
    );
    expect(document.body.chunks_count).toBe(row.n);
  });
});

describe("LLM response cache (API §7)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  const put = (key: string, body: unknown) => api.request("PUT", `/cache/${key}`, { body });

  it("stores, reads with hit counts, and replaces while keeping hits", async () => {
    const stored = await put("mix:extract:1", {
      cache_type: "extract",
      prompt: "p1",
      response: "r1",
      chunk_id: "chunk-1",
      params: { model: "gpt" },
    });
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ key: "mix:extract:1", hits: 0, chunk_id: "chunk-1" });
    expect((await api.request("GET", "/cache/mix:extract:1")).body.hits).toBe(1);
    const read = await api.request("GET", "/cache/mix:extract:1");
    expect(read.body).toMatchObject({
      key: "mix:extract:1",
      cache_type: "extract",
      prompt: "p1",
      response: "r1",
      params: { model: "gpt" },
      hits: 2,
    });
    const replaced = await put("mix:extract:1", {
      cache_type: "extract",
      prompt: "p1",
      response: "r2",
    });
    expect(replaced.body).toMatchObject({ response: "r2", hits: 2, chunk_id: null });
    expect((await api.request("GET", "/cache/absent")).status).toBe(404);
  });

  it("deletes by keys, by type, or both, never touching another tenant", async () => {
    const other = await api.addTenant();
    for (const key of ["k1", "k2", "k3"]) {
      await put(key, {
        cache_type: key === "k3" ? "query" : "extract",
        prompt: "p",
        response: "r",
      });
    }
    await api.request("PUT", "/cache/k1", {
      key: other.keys.writer,
      body: { cache_type: "extract", prompt: "theirs", response: "theirs" },
    });
    const byKeys = await api.request("POST", "/cache/delete", { body: { keys: ["k1", "zz"] } });
    expect(byKeys.body).toEqual({ deleted: 1 });
    const byType = await api.request("POST", "/cache/delete", { body: { cache_type: "extract" } });
    expect(byType.body.deleted).toBeGreaterThanOrEqual(1);
    const both = await api.request("POST", "/cache/delete", {
      body: { keys: ["k3"], cache_type: "extract" },
    });
    expect(both.body).toEqual({ deleted: 0 });
    expect((await api.request("GET", "/cache/k3")).status).toBe(200);
    const theirs = await api.request("GET", "/cache/k1", { key: other.keys.reader });
    expect(theirs.body.prompt).toBe("theirs");
    const nothing = await api.request("POST", "/cache/delete", { body: {} });
    expect(nothing.status).toBe(400);
  });
});
