import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

const md5Hex = /^[0-9a-f]{32}$/;

describe("documents (API §3)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  const upsert = (body: unknown) => api.request("POST", "/documents", { body });
  const chunksOf = async (documentId: string) => {
    const rows = await api.test.db.transaction((tx) =>
      tx.query<{ id: string; content: string; tokens: number; chunk_index: number }>(
        "select id, content, tokens, chunk_index from pgrag.chunks " +
          "where tenant_id = $1 and document_id = $2 order by chunk_index",
        [api.tenantId, documentId],
      )
    );
    return rows;
  };

  it("chunks content by cl100k tokens when no chunks are sent, with derived ids", async () => {
    const content = Array.from({ length: 40 }, (_, i) => `Fox ${i} jumps over dog ${i}.`).join(" ");
    const response = await upsert({
      documents: [{ content, title: "Fox", file_path: "fox.txt" }],
      chunking: { max_tokens: 100, overlap_tokens: 10 },
    });
    expect(response.status).toBe(200);
    const [outcome] = response.body.documents;
    expect(outcome.id).toMatch(/^doc-[0-9a-f]{32}$/);
    expect(outcome).toMatchObject({ status: "pending", created: true });
    const chunks = await chunksOf(outcome.id);
    // Windows of 100 tokens advancing by 90 cover the text once, the last one reaching its end.
    const total = chunks.reduce((sum, chunk) => sum + chunk.tokens, 0) - 10 * (chunks.length - 1);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.slice(0, -1).every((chunk) => chunk.tokens === 100)).toBe(true);
    expect(chunks.at(-1)!.content.endsWith("dog 39.")).toBe(true);
    expect(chunks[0].content.startsWith("Fox 0 jumps")).toBe(true);
    expect(total).toBeGreaterThan(300);
    expect(outcome.chunks_count).toBe(chunks.length);
    expect(chunks.every((chunk) => chunk.tokens <= 100 && chunk.id.startsWith("chunk-"))).toBe(
      true,
    );
    expect(chunks.map((chunk) => chunk.chunk_index)).toEqual(chunks.map((_, i) => i));
  });

  it("uses LightRAG's 1200/100 token defaults", async () => {
    const content = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(300);
    const response = await upsert({ documents: [{ id: "defaults", content }] });
    expect(response.status).toBe(200);
    const chunks = await chunksOf("defaults");
    expect(chunks[0].tokens).toBe(1200);
    expect(chunks.length).toBeGreaterThan(1);
  });

  it("is idempotent: the same request twice leaves the same state, created only once", async () => {
    const body = {
      documents: [{
        id: "idem",
        content: "alpha beta",
        metadata: { lang: "en" },
        chunks: [
          { id: "idem-0", content: "alpha", embedding: [1, 0, 0] },
          { id: "idem-1", content: "beta", tokens: 1 },
        ],
      }],
    };
    const first = await upsert(body);
    expect(first.body.documents[0]).toMatchObject({ created: true, chunks_count: 2 });
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const second = await upsert(body);
    expect(second.status).toBe(200);
    expect(second.body.documents[0]).toMatchObject({ id: "idem", created: false, chunks_count: 2 });
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });

  it("replaces a document's chunks and resets its status when the content changes", async () => {
    await upsert({
      documents: [{
        id: "changing",
        content: "one two",
        chunks: [{ id: "ch-a", content: "one", embedding: [0, 1, 0] }, {
          id: "ch-b",
          content: "two",
        }],
      }],
    });
    await api.request("PATCH", "/documents/changing/status", { body: { status: "processed" } });
    const response = await upsert({
      documents: [{
        id: "changing",
        content: "one three",
        chunks: [{ id: "ch-a", content: "one" }],
      }],
    });
    expect(response.body.documents[0]).toEqual({
      id: "changing",
      status: "pending",
      chunks_count: 1,
      created: false,
    });
    const document = await api.request("GET", "/documents/changing");
    // ch-a kept its content, so it kept its embedding; ch-b is gone.
    expect(document.body).toMatchObject({ chunks_count: 1, embedded_chunks: 1 });
    expect(await chunksOf("changing")).toHaveLength(1);
  });

  it("returns one document with content, hash, status and counts", async () => {
    await upsert({
      documents: [{
        id: "full",
        title: "Full",
        content: "full text",
        source: "upload",
        file_path: "a/full.md",
        metadata: { n: 1 },
        chunks: [{ content: "full text", embedding: "AACAPwAAAAAAAAAA" }],
      }],
    });
    const response = await api.request("GET", "/documents/full");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: "full",
      title: "Full",
      content: "full text",
      source: "upload",
      file_path: "a/full.md",
      metadata: { n: 1 },
      status: "pending",
      chunks_count: 1,
      embedded_chunks: 1,
      error_msg: null,
      track_id: null,
    });
    expect(response.body.content_hash).toMatch(md5Hex);
    expect(Date.parse(response.body.created_at)).not.toBeNaN();
    expect(Date.parse(response.body.updated_at)).not.toBeNaN();
    expect((await api.request("GET", "/documents/nothing-here")).status).toBe(404);
  });

  it("gets many aligned with nulls, and lists missing ids once each in request order", async () => {
    await upsert({ documents: [{ id: "m1", content: "m one" }, { id: "m2", content: "m two" }] });
    const got = await api.request("POST", "/documents/get", { body: { ids: ["m2", "zz", "m1"] } });
    expect(got.status).toBe(200);
    expect(got.body.items.map((item: { id: string } | null) => item?.id ?? null)).toEqual([
      "m2",
      null,
      "m1",
    ]);
    const missing = await api.request("POST", "/documents/missing", {
      body: { ids: ["x2", "m1", "x1", "x2"] },
    });
    expect(missing.body).toEqual({ missing: ["x2", "x1"] });
  });

  it("updates status with error, track id and merged metadata, and counts statuses", async () => {
    await upsert({ documents: [{ id: "s1", content: "status one", metadata: { a: 1 } }] });
    const before = (await api.request("GET", "/documents/status-counts")).body;
    const response = await api.request("PATCH", "/documents/s1/status", {
      body: { status: "failed", error_msg: "LLM timeout", track_id: "run-7", metadata: { b: 2 } },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: "s1",
      status: "failed",
      error_msg: "LLM timeout",
      track_id: "run-7",
      metadata: { a: 1, b: 2 },
    });
    const after = (await api.request("GET", "/documents/status-counts")).body;
    expect(after.failed).toBe(before.failed + 1);
    expect(after.pending).toBe(before.pending - 1);
    expect(after.all).toBe(before.all);
    expect(after.all).toBe(after.pending + after.processing + after.processed + after.failed);
    const missing = await api.request("PATCH", "/documents/nope/status", {
      body: { status: "processed" },
    });
    expect(missing.status).toBe(404);
  });

  it("deletes one document with its chunks, and many by id", async () => {
    await upsert({
      documents: [
        { id: "d1", content: "delete one", chunks: [{ id: "d1-c", content: "delete one" }] },
        { id: "d2", content: "delete two" },
        { id: "d3", content: "delete three" },
      ],
    });
    const one = await api.request("DELETE", "/documents/d1");
    expect(one.status).toBe(204);
    expect(await chunksOf("d1")).toEqual([]);
    expect((await api.request("DELETE", "/documents/d1")).status).toBe(404);
    const many = await api.request("POST", "/documents/delete", {
      body: { ids: ["d2", "d3", "d4"] },
    });
    expect(many.body).toEqual({ deleted: 2 });
    const gone = await api.request("POST", "/documents/missing", { body: { ids: ["d2", "d3"] } });
    expect(gone.body.missing).toEqual(["d2", "d3"]);
  });

  it("filters listings by status, track_id and file_path", async () => {
    await upsert({
      documents: [
        { id: "f1", content: "filter one", file_path: "filters/one.txt" },
        { id: "f2", content: "filter two", file_path: "filters/two.txt" },
      ],
    });
    await api.request("PATCH", "/documents/f2/status", {
      body: { status: "processing", track_id: "track-f" },
    });
    const byPath = await api.request("GET", "/documents?file_path=filters%2Fone.txt");
    expect(byPath.body.items.map((item: { id: string }) => item.id)).toEqual(["f1"]);
    expect(byPath.body.items[0]).not.toHaveProperty("content");
    const byTrack = await api.request("GET", "/documents?track_id=track-f");
    expect(byTrack.body.items.map((item: { id: string }) => item.id)).toEqual(["f2"]);
    const byStatus = await api.request("GET", "/documents?status=processing");
    expect(byStatus.body.items.map((item: { id: string }) => item.id)).toContain("f2");
    expect(byStatus.body.items.every((item: { status: string }) => item.status === "processing"))
      .toBe(true);
  });
});
