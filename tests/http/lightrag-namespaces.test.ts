import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

describe("LightRAG key-value and vector namespaces (API §10)", () => {
  let api: TestApi;
  let other: string;
  beforeAll(async () => {
    api = await openTestApi();
    other = (await api.addTenant()).keys.writer;
  });
  afterAll(() => api.close());

  const post = (path: string, body?: unknown, key?: string) =>
    api.request("POST", path, { ...(body === undefined ? {} : { body }), ...(key ? { key } : {}) });

  it("upserts, reads aligned, finds missing ids, deletes and drops, per namespace", async () => {
    const written = await post("/kv/full_docs/upsert", {
      entries: { "doc-1": { content: "one" }, "doc-2": { content: "two", file_path: "b.txt" } },
    });
    expect(written.body).toEqual({ upserted: 2 });
    await post("/kv/text_chunks/upsert", { entries: { "doc-1": { content: "a chunk" } } });
    const got = await post("/kv/full_docs/get", { ids: ["doc-2", "nope", "doc-1"] });
    expect(got.status).toBe(200);
    const items = got.body.items as Record<string, unknown>[];
    expect(items[1]).toBeNull();
    expect(items[0]).toMatchObject({ id: "doc-2", content: "two", file_path: "b.txt" });
    expect(items[2]).toMatchObject({ id: "doc-1", content: "one" });
    expect(typeof items[0].created_at).toBe("number");

    expect((await post("/kv/full_docs/missing", { ids: ["doc-1", "x", "y"] })).body.missing.sort())
      .toEqual(["x", "y"]);
    expect((await post("/kv/full_docs/delete", { ids: ["doc-1"] })).body).toEqual({ deleted: 1 });
    expect((await post("/kv/full_docs/drop")).body).toEqual({ deleted: 1 });
    // The other namespace is untouched by the drop.
    expect((await post("/kv/text_chunks/get", { ids: ["doc-1"] })).body.items[0])
      .toMatchObject({ content: "a chunk" });
  });

  it("pages doc statuses by containment with total, sort and counts", async () => {
    const entries: Record<string, unknown> = {};
    for (let i = 0; i < 7; i++) {
      entries[`d${i}`] = {
        status: i < 4 ? "processed" : "failed",
        track_id: i % 2 ? "odd" : "even",
        updated_at: `2026-01-0${i + 1}`,
      };
    }
    await post("/kv/doc_status/upsert", { entries });
    const page = await post("/kv/doc_status/query", {
      match: { status: "processed" },
      sort_field: "updated_at",
      descending: true,
      offset: 1,
      limit: 2,
      count_field: "status",
    });
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(4);
    expect(page.body.items.map((d: { id: string }) => d.id)).toEqual(["d2", "d1"]);
    expect(page.body.counts).toEqual({ processed: 4 });
    const all = await post("/kv/doc_status/query", { limit: 0, count_field: "status" });
    expect(all.body).toMatchObject({ items: [], total: 7, counts: { processed: 4, failed: 3 } });
    // Another tenant sees none of it.
    expect((await post("/kv/doc_status/query", {}, other)).body.total).toBe(0);
  });

  it("refuses bad namespaces and bad records with problem details, storing nothing", async () => {
    const bad = await post("/kv/Bad-Name/upsert", { entries: { a: { x: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect((await post("/kv/full_docs/upsert", { entries: { a: { x: "nul\u0000" } } })).status)
      .toBe(400);
    expect((await post("/kv/full_docs/upsert", { entries: {} })).status).toBe(400);
    expect((await post("/kv/full_docs/upsert", { entries: { a: [1] } })).status).toBe(400);
    expect((await post("/kv/full_docs/get", { ids: ["a"] })).body.items).toEqual([null]);
    // One id twice in a vector batch: which should win is the client's to say.
    const twice = await post("/vectors/chunks/upsert", {
      records: [
        { id: "v", content: "first", embedding: [1, 0, 0] },
        { id: "v", content: "second", embedding: [0, 1, 0] },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.errors).toContainEqual(
      expect.objectContaining({ message: "repeats the id of records[0]" }),
    );
    expect((await post("/vectors/chunks/get", { ids: ["v"] })).body.items).toEqual([null]);
  });

  it("upserts vectors, queries by cosine with a threshold, reads by id, deletes by entity", async () => {
    const records = [
      { id: "ent-a", content: "A", metadata: { entity_name: "A" }, embedding: [1, 0, 0] },
      { id: "ent-b", content: "B", metadata: { entity_name: "B" }, embedding: [0.9, 0.1, 0] },
      { id: "ent-c", content: "C", metadata: { entity_name: "C" }, embedding: [0, 0, 1] },
      { id: "rel-ab", metadata: { src_id: "A", tgt_id: "B" }, embedding: [0, 1, 0] },
    ];
    expect((await post("/vectors/entities/upsert", { records })).body).toEqual({ upserted: 4 });
    const hits = await post("/vectors/entities/query", {
      embedding: [1, 0, 0],
      top_k: 3,
      min_similarity: 0.2,
    });
    expect(hits.status).toBe(200);
    expect(hits.body.results.map((r: { id: string }) => r.id)).toEqual(["ent-a", "ent-b"]);
    expect(hits.body.results[0].similarity).toBeCloseTo(1, 5);
    expect((await post("/vectors/entities/query", { embedding: [1, 0, 0] }, other)).body.results)
      .toEqual([]);

    const got = await post("/vectors/entities/get", {
      ids: ["ent-c", "none"],
      include_embedding: true,
    });
    expect(got.body.items[0]).toMatchObject({ id: "ent-c", embedding: [0, 0, 1] });
    expect(got.body.items[1]).toBeNull();

    expect((await post("/vectors/entities/delete", { relations_of: "B" })).body)
      .toEqual({ deleted: 1 });
    expect((await post("/vectors/entities/delete", { entity_name: "A", ids: ["ent-c"] })).body)
      .toEqual({ deleted: 2 });
    expect((await post("/vectors/entities/delete", {})).status).toBe(400);
    expect((await post("/vectors/entities/drop")).body).toEqual({ deleted: 1 });
  });

  it("reads relations by pairs, relations per entity, deletes entities, exports and drops", async () => {
    await post("/graph/relations", {
      relations: [{ source: "X", target: "Y", description: "x-y" }, {
        source: "Y",
        target: "Z",
      }],
    });
    await post("/graph/entities", { entities: [{ name: "Lonely" }] });
    const pairs = await post("/graph/relations/get", { pairs: [["Y", "X"], ["X", "Z"]] });
    expect(pairs.body.items[0]).toMatchObject({ source: "X", target: "Y", description: "x-y" });
    expect(pairs.body.items[1]).toBeNull();
    const perEntity = await post("/graph/entities/relations", { names: ["Y", "Lonely", "Nobody"] });
    expect(perEntity.body.items[0]).toHaveLength(2);
    expect(perEntity.body.items[1]).toEqual([]);
    expect(perEntity.body.items[2]).toBeNull();
    const exported = await api.request("GET", "/graph/export?max_nodes=3");
    expect(exported.body.is_truncated).toBe(true);
    expect(exported.body.entities.map((e: { name: string }) => e.name)).toEqual([
      "Lonely",
      "X",
      "Y",
    ]);
    expect(exported.body.relations).toHaveLength(1);
    expect((await post("/graph/entities/delete", { names: ["Z", "Nobody"] })).body)
      .toEqual({ deleted: 1 });
    expect((await post("/graph/drop")).body).toEqual({ deleted: 3 });
    expect((await api.request("GET", "/graph/export")).body.entities).toEqual([]);
  });
});
