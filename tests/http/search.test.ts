import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

type Vector = [number, number, number];

const cosine = (a: Vector, b: Vector) => {
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  return dot / (Math.hypot(...a) * Math.hypot(...b));
};

/** A deterministic spread of directions, none parallel to another. */
const direction = (
  i: number,
): Vector => [Math.cos(i * 0.37), Math.sin(i * 0.37), 0.2 + (i % 7) / 10];

const TOPICS = ["astronomy", "botany", "chemistry", "geology"];

/** Chunk i: a topic word (one in four), a bucket (one in 100 of a 200-chunk tenant) and a vector. */
const chunk = (i: number, documentId: string) => ({
  id: `c${i}`,
  document_id: documentId,
  chunk_index: i,
  content: `notes ${i} about ${TOPICS[i % 4]} ${i % 50 === 0 ? "zeppelin" : "and nothing rare"}`,
  metadata: { bucket: i % 100, parity: i % 2 === 0 ? "even" : "odd" },
  embedding: direction(i),
});

describe("search (API §5)", () => {
  let api: TestApi;
  const chunks = Array.from({ length: 200 }, (_, i) => chunk(i, i < 100 ? "doc-a" : "doc-b"));

  beforeAll(async () => {
    api = await openTestApi();
    const response = await api.request("POST", "/documents", {
      body: {
        documents: [
          { id: "doc-a", content: "first half", source: "a.pdf", chunks: [] },
          { id: "doc-b", content: "second half", source: "b.pdf", chunks: [] },
        ],
      },
    });
    expect(response.status).toBe(200);
    for (let start = 0; start < chunks.length; start += 100) {
      const upsert = await api.request("POST", "/chunks", {
        body: { chunks: chunks.slice(start, start + 100) },
      });
      expect(upsert.status).toBe(200);
    }
  });
  afterAll(() => api.close());

  const search = (body: unknown, key?: string) =>
    api.request("POST", "/search", { body, ...(key ? { key } : {}) });
  const ids = (response: { body: { results: { chunk_id: string }[] } }) =>
    response.body.results.map((r) => r.chunk_id);
  /** The ids of the k chunks nearest to q among those passing `keep`, computed here. */
  const nearest = (q: Vector, k: number, keep = (_: (typeof chunks)[number]) => true) =>
    chunks.filter(keep)
      .map((c) => ({ id: c.id, similarity: cosine(q, c.embedding) }))
      .sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : 1))
      .slice(0, k).map((c) => c.id);

  it("vector mode returns the exact nearest chunks, best first, with their similarity", async () => {
    const q: Vector = [0.3, 0.9, 0.4];
    const response = await search({ embedding: q, top_k: 5 }, api.keys.reader);
    expect(response.status).toBe(200);
    expect(ids(response)).toEqual(nearest(q, 5));
    expect(response.body.exhausted).toBe(false);
    for (const result of response.body.results) {
      const stored = chunks.find((c) => c.id === result.chunk_id)!;
      expect(result.similarity).toBeCloseTo(cosine(q, stored.embedding), 5);
      expect(result.score).toBe(result.similarity);
      expect(result).toMatchObject({
        document_id: stored.document_id,
        content: stored.content,
        metadata: stored.metadata,
        keyword_rank: null,
      });
    }
    expect(response.body.results.map((r: { vector_rank: number }) => r.vector_rank))
      .toEqual([1, 2, 3, 4, 5]);
  });

  it("returns top_k rows under a 1% metadata filter, and exhausted when fewer exist", async () => {
    const q: Vector = [1, 0, 0.5];
    const onePercent = await search({
      embedding: q,
      top_k: 2,
      filter: { metadata: { bucket: 7 } },
    });
    expect(ids(onePercent)).toEqual(nearest(q, 2, (c) => c.metadata.bucket === 7));
    expect(onePercent.body.exhausted).toBe(false);

    const short = await search({ embedding: q, top_k: 3, filter: { metadata: { bucket: 7 } } });
    expect(ids(short)).toEqual(nearest(q, 3, (c) => c.metadata.bucket === 7));
    expect(ids(short)).toHaveLength(2);
    expect(short.body.exhausted).toBe(true);

    const half = await search({ embedding: q, top_k: 30, filter: { metadata: { parity: "odd" } } });
    expect(ids(half)).toEqual(nearest(q, 30, (c) => c.metadata.parity === "odd"));
    expect(half.body.exhausted).toBe(false);
  });

  it("filters by document ids and by the document's source", async () => {
    const q: Vector = [0, 1, 0.3];
    const byIds = await search({ embedding: q, top_k: 4, filter: { document_ids: ["doc-b"] } });
    expect(ids(byIds)).toEqual(nearest(q, 4, (c) => c.document_id === "doc-b"));
    const bySource = await search({ embedding: q, top_k: 4, filter: { source: "a.pdf" } });
    expect(ids(bySource)).toEqual(nearest(q, 4, (c) => c.document_id === "doc-a"));
    const none = await search({ embedding: q, top_k: 4, filter: { source: "missing.pdf" } });
    expect(none.body).toEqual({
      results: [],
      exhausted: true,
      mode: "vector",
      embedding_source: "request",
    });
    const combined = await search({
      embedding: q,
      top_k: 100,
      filter: { document_ids: ["doc-a"], metadata: { parity: "even" } },
    });
    expect(ids(combined)).toEqual(
      nearest(q, 100, (c) => c.document_id === "doc-a" && c.metadata.parity === "even"),
    );
    expect(combined.body.exhausted).toBe(true);
  });

  it("keyword mode ranks by BM25: the rare term first, and all matches when fewer than top_k", async () => {
    const response = await search({ query: "zeppelin chemistry", top_k: 10 });
    expect(response.status).toBe(200);
    const top4 = ids(response).slice(0, 4).sort();
    // Chunks 0, 50, 100, 150 hold the rare word; 50 and 150 also hold "chemistry".
    expect(top4).toEqual(["c0", "c100", "c150", "c50"]);
    expect(ids(response).slice(0, 2).sort()).toEqual(["c150", "c50"]);
    const scores = response.body.results.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(response.body.results[0]).toMatchObject({ keyword_rank: 1, vector_rank: null });
    expect(response.body.results[0].similarity).toBeNull();

    const rare = await search({ query: "Zeppelins!", top_k: 10 });
    expect(ids(rare).sort()).toEqual(["c0", "c100", "c150", "c50"]);
    expect(rare.body.exhausted).toBe(true);

    const stopwords = await search({ query: "the and of", top_k: 10 });
    expect(stopwords.body).toEqual({
      results: [],
      exhausted: true,
      mode: "keyword",
      embedding_source: null,
    });
  });

  it("hybrid mode fuses both arms by reciprocal rank with the given weights", async () => {
    const q: Vector = [0.2, 0.8, 0.6];
    const body = { query: "zeppelin", embedding: q, top_k: 10, rrf_k: 10, full_text_weight: 3 };
    const response = await search(body);
    expect(response.status).toBe(200);
    for (const r of response.body.results) {
      const expected = (r.keyword_rank ? 3 / (10 + r.keyword_rank) : 0) +
        (r.vector_rank ? 1 / (10 + r.vector_rank) : 0);
      expect(r.score).toBeCloseTo(expected, 12);
      expect(r.similarity).toBeCloseTo(
        cosine(q, chunks.find((c) => c.id === r.chunk_id)!.embedding),
      );
    }
    const keywordHits = response.body.results.filter((r: { keyword_rank: number }) =>
      r.keyword_rank
    );
    // 3 / (10 + 4) beats any vector-only score, 1 / (10 + 1): the four keyword hits lead.
    expect(keywordHits.length).toBe(4);
    expect(ids(response).slice(0, 4)).toEqual(
      keywordHits.map((r: { chunk_id: string }) => r.chunk_id),
    );
    expect(response.body.results.slice(4).map((r: { vector_rank: number }) => r.vector_rank))
      .toEqual(
        Array.from({ length: 6 }, (_, i) => i + 1).filter((rank) =>
          !keywordHits.some((r: { vector_rank: number }) => r.vector_rank === rank)
        ).slice(0, 6),
      );
    const scores = response.body.results.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("min_similarity drops less similar rows and then reports exhaustion", async () => {
    const q: Vector = [1, 0.2, 0.4];
    const floor = cosine(q, chunks.find((c) => c.id === nearest(q, 3)[2])!.embedding);
    const response = await search({ embedding: q, top_k: 10, min_similarity: floor - 1e-9 });
    expect(ids(response)).toEqual(
      nearest(q, 10).filter((id) =>
        cosine(q, chunks.find((c) => c.id === id)!.embedding) >= floor - 1e-9
      ),
    );
    expect(response.body.results.length).toBeLessThan(10);
    expect(response.body.exhausted).toBe(true);
  });

  it("includes embeddings when asked", async () => {
    const response = await search({ embedding: [0, 0, 1], top_k: 1, include_embedding: true });
    const stored = chunks.find((c) => c.id === response.body.results[0].chunk_id)!;
    response.body.results[0].embedding.forEach((v: number, i: number) =>
      expect(v).toBeCloseTo(stored.embedding[i], 6)
    );
  });

  it("ranks 200 of 300 abstract-length chunks in one hybrid search", async () => {
    // The embedded engine once crashed in WebAssembly ranking about 150 rows of this width.
    const other = await api.addTenant();
    const words = ["tide", "moon", "orbit", "gravity", "ocean", "coast", "season", "wave"];
    const long = Array.from({ length: 300 }, (_, i) => ({
      id: `long-${i}`,
      content: Array.from({ length: 220 }, (_, w) => `${words[(i + w) % 8]}${w % 13}`).join(" "),
      embedding: direction(i),
    }));
    for (let start = 0; start < long.length; start += 100) {
      const stored = await api.request("POST", "/documents", {
        key: other.keys.writer,
        body: {
          documents: long.slice(start, start + 100).map((d) => ({
            id: d.id,
            content: d.content,
            chunks: [{ id: d.id, content: d.content, chunk_index: 0, embedding: d.embedding }],
          })),
        },
      });
      expect(stored.status).toBe(200);
    }
    const response = await search(
      { query: "tide0 moon1 gravity3", embedding: [1, 0.5, 0.2], top_k: 200, ef_search: 200 },
      other.keys.reader,
    );
    expect(response.status).toBe(200);
    const scores = response.body.results.map((r: { score: number }) => r.score);
    expect(scores).toHaveLength(200);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("sees only the caller's tenant", async () => {
    const other = await api.addTenant();
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const vector = await search({ embedding: [1, 1, 1], top_k: 5 }, other.keys.reader);
    expect(vector.body).toEqual({
      results: [],
      exhausted: true,
      mode: "vector",
      embedding_source: "request",
    });
    const keyword = await search({ query: "zeppelin", top_k: 5 }, other.keys.reader);
    expect(keyword.body).toEqual({
      results: [],
      exhausted: true,
      mode: "keyword",
      embedding_source: null,
    });
    const filtered = await search(
      { query: "notes", embedding: [1, 1, 1], filter: { document_ids: ["doc-a"] } },
      other.keys.reader,
    );
    expect(filtered.body).toEqual({
      results: [],
      exhausted: true,
      mode: "hybrid",
      embedding_source: "request",
    });
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });

  it("refuses bad requests with the field named", async () => {
    const cases: [unknown, string][] = [
      [{}, "query"],
      [{ mode: "keyword", embedding: [1, 0, 0] }, "query"],
      [{ mode: "vector", query: "x" }, "embedding"],
      [{ mode: "hybrid", query: "x" }, "embedding"],
      [{ mode: "fuzzy", query: "x" }, "mode"],
      [{ query: "x", top_k: 0 }, "top_k"],
      [{ query: "x", top_k: 1001 }, "top_k"],
      [{ query: "x", top_k: 2.5 }, "top_k"],
      [{ query: "   " }, "query"],
      [{ embedding: [1, 0] }, "embedding"],
      [{ embedding: [0, 0, 0] }, "embedding"],
      [{ query: "x", filter: { author: "me" } }, "filter"],
      [{ query: "x", filter: { metadata: [1] } }, "filter.metadata"],
      [{ query: "x", filter: { document_ids: [] } }, "filter.document_ids"],
      [{ query: "x", min_similarity: 2 }, "min_similarity"],
      [{ query: "x", ef_search: 0 }, "ef_search"],
      [{ query: "x", rrf_k: -1 }, "rrf_k"],
      [{ query: "x", semantic_weight: -1 }, "semantic_weight"],
      [{ query: "x", extra: true }, ""],
    ];
    for (const [body, path] of cases) {
      const response = await search(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe("validation_failed");
      const paths = (response.body.errors ?? []).map((e: { path: string }) => e.path);
      expect(paths.some((p: string) => p.startsWith(path)), JSON.stringify(response.body))
        .toBe(true);
    }
  });

  it("needs a key; a reader's key is enough", async () => {
    expect((await search({ query: "x" }, undefined)).status).toBe(200);
    const anonymous = await api.request("POST", "/search", { body: { query: "x" }, key: null });
    expect(anonymous.status).toBe(401);
  });
});
