import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

/** Names that broke Cypher text built by string pasting, and a few more. */
const HOSTILE_NAMES = [
  "O'Brien",
  'say "hi"',
  "back\\slash\\",
  "$$dollar quoted$$",
  "$1 and $tag$",
  "'); drop table pgrag.entities; --",
  "}) MATCH (n) DETACH DELETE n //",
  "slash/in/name",
  "percent %2F and ?query=1#hash",
  "über Ärger 東京 🚀 שלום",
  "trailing space ",
  "ü".repeat(255),
];

const path = (name: string) => `/graph/entities/${encodeURIComponent(name)}`;

describe("knowledge graph writes and reads (API §6)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  const upsertEntities = (entities: unknown[], key?: string) =>
    api.request("POST", "/graph/entities", { body: { entities }, ...(key ? { key } : {}) });
  const upsertRelations = (relations: unknown[], key?: string) =>
    api.request("POST", "/graph/relations", { body: { relations }, ...(key ? { key } : {}) });
  const entity = async (name: string) => (await api.request("GET", path(name))).body;

  it("merges entities as LightRAG does, within a batch and with what is stored", async () => {
    const first = await upsertEntities([
      {
        name: "Marie Curie",
        type: "person",
        description: "physicist",
        source_chunk_ids: ["c1", "c2"],
        file_path: "curie.pdf",
        properties: { born: 1867, field: "physics" },
      },
      { name: "Marie Curie", source_chunk_ids: ["c2", "c3"], properties: { field: "chemistry" } },
    ]);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ upserted: 1 });

    const second = await upsertEntities([
      { name: "Marie Curie", description: "physicist and chemist", source_chunk_ids: ["c4"] },
    ]);
    expect(second.body).toEqual({ upserted: 1 });
    expect(await entity("Marie Curie")).toMatchObject({
      name: "Marie Curie",
      type: "person",
      description: "physicist and chemist",
      source_chunk_ids: ["c1", "c2", "c3", "c4"],
      file_path: "curie.pdf",
      properties: { born: 1867, field: "chemistry" },
      degree: 0,
    });
  });

  it("keeps relations undirected, creates missing endpoints and counts degrees", async () => {
    const created = await upsertRelations([
      {
        source: "Marie Curie",
        target: "Pierre Curie",
        description: "married",
        keywords: "family",
        weight: 2,
        source_chunk_ids: ["c5"],
      },
      { source: "Radium", target: "Marie Curie", description: "discovered" },
    ]);
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ upserted: 2 });

    // The same edge from the other side, twice in one batch: merged, not duplicated.
    const merged = await upsertRelations([
      { source: "Pierre Curie", target: "Marie Curie", source_chunk_ids: ["c6"] },
      { source: "Marie Curie", target: "Pierre Curie", properties: { year: 1895 } },
    ]);
    expect(merged.body).toEqual({ upserted: 1 });

    const relation = await api.request(
      "GET",
      `/graph/relations?source=${encodeURIComponent("Pierre Curie")}&target=Marie%20Curie`,
    );
    expect(relation.status).toBe(200);
    expect(relation.body).toMatchObject({
      description: "married",
      keywords: "family",
      weight: 2,
      source_chunk_ids: ["c5", "c6"],
      properties: { year: 1895 },
    });
    expect([relation.body.source, relation.body.target].sort()).toEqual([
      "Marie Curie",
      "Pierre Curie",
    ]);

    expect(await entity("Pierre Curie")).toMatchObject({
      type: null,
      source_chunk_ids: ["c5"],
      degree: 1,
    });
    expect((await entity("Marie Curie")).degree).toBe(2);

    const relations = await api.request("GET", `${path("Marie Curie")}/relations`);
    expect(relations.status).toBe(200);
    expect(relations.body.items).toHaveLength(2);
    expect(relations.body.items.map((r: { weight: number }) => r.weight).sort()).toEqual([1, 2]);
  });

  it("leaves every row as it was when a write is repeated", async () => {
    const entities = [{ name: "Radium", type: "element", source_chunk_ids: ["c7"] }];
    const relations = [{ source: "Radium", target: "Pierre Curie", weight: 0.5 }];
    await upsertEntities(entities);
    await upsertRelations(relations);
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    expect((await upsertEntities(entities)).body).toEqual({ upserted: 1 });
    expect((await upsertRelations(relations)).body).toEqual({ upserted: 1 });
    // Values already stored, sent again, are no change either.
    await upsertEntities([{ name: "Marie Curie", source_chunk_ids: ["c1"], properties: {} }]);
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
    await api.request("POST", "/graph/relations/delete", {
      body: { pairs: [["Radium", "Pierre Curie"]] },
    });
  });

  it("answers aligned batches and 404s for what does not exist", async () => {
    const items = await api.request("POST", "/graph/entities/get", {
      body: { names: ["Radium", "nobody", "Marie Curie"] },
    });
    expect(items.body.items.map((e: { name: string } | null) => e?.name ?? null)).toEqual([
      "Radium",
      null,
      "Marie Curie",
    ]);
    for (
      const url of [
        path("nobody"),
        `${path("nobody")}/relations`,
        "/graph/relations?source=Radium&target=Pierre%20Curie",
        "/graph/relations?source=Radium&target=nobody",
      ]
    ) {
      const response = await api.request("GET", url, { key: api.keys.reader });
      expect(response.status, url).toBe(404);
      expect(response.body.code).toBe("not_found");
    }
  });

  it("stores and finds names with quotes, backslashes, $$, slashes and unicode", async () => {
    const upsert = await upsertEntities(
      HOSTILE_NAMES.map((name, i) => ({ name, description: `hostile ${i}` })),
    );
    expect(upsert.body).toEqual({ upserted: HOSTILE_NAMES.length });
    const relations = await upsertRelations(
      HOSTILE_NAMES.slice(1).map((name, i) => ({ source: HOSTILE_NAMES[i], target: name })),
    );
    expect(relations.body).toEqual({ upserted: HOSTILE_NAMES.length - 1 });

    for (const [i, name] of HOSTILE_NAMES.entries()) {
      const read = await api.request("GET", path(name));
      expect(read.status, name).toBe(200);
      expect(read.body).toMatchObject({ name, description: `hostile ${i}` });
      const edges = await api.request("GET", `${path(name)}/relations`);
      expect(edges.body.items.length, name).toBe(i === 0 || i === HOSTILE_NAMES.length - 1 ? 1 : 2);
      const graph = await api.request(
        "GET",
        `/graph/subgraph?label=${encodeURIComponent(name)}&max_depth=1`,
      );
      expect(graph.body.nodes[0], name).toMatchObject({ name, depth: 0 });
    }
    const labels = await api.request("GET", `/graph/labels?q=${encodeURIComponent("O'Bri")}`);
    expect(labels.body.items[0]).toEqual({ name: "O'Brien", degree: 1 });
    // LIKE's wildcards in a query are taken literally.
    const percent = await api.request("GET", `/graph/labels?q=${encodeURIComponent("%2F")}`);
    expect(percent.body.items.map((l: { name: string }) => l.name)).toEqual([HOSTILE_NAMES[8]]);

    const deleted = await api.request("DELETE", path(HOSTILE_NAMES[5]));
    expect(deleted.status).toBe(204);
    expect((await api.request("GET", path(HOSTILE_NAMES[5]))).status).toBe(404);
    expect((await entity(HOSTILE_NAMES[4])).degree).toBe(1);
    expect((await api.request("GET", "/graph/entities/get")).status).toBe(404);
  });

  it("deletes an entity with its relations, and relations by pairs in either order", async () => {
    await upsertRelations([
      { source: "hub", target: "a" },
      { source: "hub", target: "b" },
      { source: "a", target: "b" },
    ]);
    const pairs = await api.request("POST", "/graph/relations/delete", {
      body: { pairs: [["b", "a"], ["a", "nobody"], ["hub", "b"], ["b", "hub"]] },
    });
    expect(pairs.body).toEqual({ deleted: 2 });
    expect((await entity("a")).degree).toBe(1);
    expect((await entity("b")).degree).toBe(0);

    expect((await api.request("DELETE", path("hub"))).status).toBe(204);
    expect((await api.request("DELETE", path("hub"))).status).toBe(404);
    expect((await entity("a")).degree).toBe(0);
    expect((await api.request("GET", "/graph/relations?source=a&target=hub")).status).toBe(404);
  });

  it("forgets a deleted document's chunks and drops what cited only them", async () => {
    const documents = await api.request("POST", "/documents", {
      body: {
        documents: [
          { id: "doc-1", content: "one", chunks: [{ id: "k1", content: "first chunk" }] },
          { id: "doc-2", content: "two", chunks: [{ id: "k2", content: "second chunk" }] },
        ],
      },
    });
    expect(documents.status).toBe(200);
    await upsertEntities([
      { name: "only doc-1", source_chunk_ids: ["k1"] },
      { name: "both docs", source_chunk_ids: ["k1", "k2"] },
      { name: "no sources" },
    ]);
    await upsertRelations([
      { source: "both docs", target: "no sources", source_chunk_ids: ["k1"] },
      { source: "both docs", target: "only doc-1", source_chunk_ids: ["k1", "k2"] },
    ]);

    const deleted = await api.request("POST", "/documents/delete", { body: { ids: ["doc-1"] } });
    expect(deleted.body).toEqual({ deleted: 1 });

    // "only doc-1" went, and its relation with it, whatever that relation still cited.
    expect((await api.request("GET", path("only doc-1"))).status).toBe(404);
    expect(await entity("both docs")).toMatchObject({ source_chunk_ids: ["k2"], degree: 0 });
    expect(await entity("no sources")).toMatchObject({ source_chunk_ids: [], degree: 0 });
    const gone = await api.request(
      "GET",
      "/graph/relations?source=both%20docs&target=no%20sources",
    );
    expect(gone.status).toBe(404);

    // Deleting a chunk by itself forgets it too.
    await api.request("POST", "/chunks/delete", { body: { ids: ["k2"] } });
    expect((await api.request("GET", path("both docs"))).status).toBe(404);
  });

  it("lets a reader read and refuses its writes", async () => {
    const reader = api.keys.reader;
    expect((await api.request("GET", path("Radium"), { key: reader })).status).toBe(200);
    expect((await api.request("GET", "/graph/labels", { key: reader })).status).toBe(200);
    const write = await upsertEntities([{ name: "x" }], reader);
    expect(write.status).toBe(403);
    const remove = await api.request("DELETE", path("Radium"), { key: reader });
    expect(remove.status).toBe(403);
    expect((await api.request("GET", path("Radium"), { key: null })).status).toBe(401);
  });

  it("refuses bad input with the field named and changes nothing", async () => {
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const cases: [string, string, unknown, string][] = [
      ["POST", "/graph/entities", { entities: [] }, "entities"],
      ["POST", "/graph/entities", { entities: [{ name: "" }] }, "entities[0].name"],
      ["POST", "/graph/entities", { entities: [{ name: "x".repeat(256) }] }, "entities[0].name"],
      ["POST", "/graph/entities", { entities: [{ name: "a\u0000b" }] }, "entities[0].name"],
      ["POST", "/graph/entities", { entities: [{ name: "a", color: 1 }] }, "entities[0].color"],
      ["POST", "/graph/entities", {
        entities: [{ name: "a", embedding: [1, 2] }],
      }, "entities[0].embedding"],
      ["POST", "/graph/entities", {
        entities: [{ name: "a", source_chunk_ids: "c1" }],
      }, "entities[0].source_chunk_ids"],
      ["POST", "/graph/entities", {
        entities: [{ name: "a", properties: [1] }],
      }, "entities[0].properties"],
      ["POST", "/graph/relations", {
        relations: [{ source: "Radium", target: "Radium" }],
      }, "relations[0].target"],
      ["POST", "/graph/relations", { relations: [{ source: "a" }] }, "relations[0].target"],
      ["POST", "/graph/relations", {
        relations: [{ source: "a", target: "b", weight: "heavy" }],
      }, "relations[0].weight"],
      ["POST", "/graph/entities/get", { names: [] }, "names"],
      ["POST", "/graph/relations/delete", { pairs: [["a"]] }, "pairs[0]"],
      ["GET", "/graph/subgraph?label=Radium&max_depth=11", undefined, "max_depth"],
      ["GET", "/graph/subgraph?label=Radium&max_nodes=0", undefined, "max_nodes"],
      ["GET", "/graph/subgraph", undefined, "label"],
      ["GET", "/graph/labels?limit=abc", undefined, "limit"],
      ["GET", "/graph/relations?source=a", undefined, "target"],
      ["POST", "/entities/search", { embedding: [0, 0, 0] }, "embedding"],
      ["POST", "/relations/search", { embedding: [1, 0, 0], top_k: 0 }, "top_k"],
    ];
    for (const [method, url, body, field] of cases) {
      const response = await api.request(method, url, body === undefined ? {} : { body });
      expect(response.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.code).toBe("validation_failed");
      expect(response.body.errors.map((e: { path: string }) => e.path), url).toContain(field);
    }
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });

  it("shows another tenant none of it, and keeps its same-named graph apart", async () => {
    const other = await api.addTenant();
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const as = (key: string) => ({ key });
    const reads = [
      path("Marie Curie"),
      `${path("Marie Curie")}/relations`,
      "/graph/relations?source=Marie%20Curie&target=Radium",
    ];
    for (const url of reads) {
      expect((await api.request("GET", url, as(other.keys.reader))).status, url).toBe(404);
    }
    const labels = await api.request("GET", "/graph/labels?q=Curie", as(other.keys.reader));
    expect(labels.body.items).toEqual([]);
    const popular = await api.request("GET", "/graph/labels", as(other.keys.reader));
    expect(popular.body.items).toEqual([]);
    const graph = await api.request("GET", "/graph/subgraph?label=*", as(other.keys.reader));
    expect(graph.body).toEqual({ nodes: [], edges: [], is_truncated: false });
    const got = await api.request("POST", "/graph/entities/get", {
      body: { names: ["Marie Curie"] },
      key: other.keys.reader,
    });
    expect(got.body.items).toEqual([null]);
    expect((await api.request("DELETE", path("Radium"), as(other.keys.writer))).status).toBe(404);
    const pairs = await api.request("POST", "/graph/relations/delete", {
      body: { pairs: [["Marie Curie", "Radium"]] },
      key: other.keys.writer,
    });
    expect(pairs.body).toEqual({ deleted: 0 });

    // The same names in the other tenant are its own rows.
    const own = await upsertRelations(
      [{ source: "Marie Curie", target: "Radium", description: "theirs" }],
      other.keys.writer,
    );
    expect(own.status).toBe(200);
    const theirs = await api.request(
      "GET",
      "/graph/relations?source=Radium&target=Marie%20Curie",
      as(other.keys.reader),
    );
    expect(theirs.body.description).toBe("theirs");
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
    const ours = await api.request("GET", "/graph/relations?source=Radium&target=Marie%20Curie");
    expect(ours.body.description).toBe("discovered");
  });
});
