import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";
import { standInProvider } from "../support/embedding-provider.ts";
import { type EmbeddingStandIn, standInTokens } from "../support/embedding-stand-in.ts";
import { until } from "../support/until.ts";

const ADMIN_KEY = "test-admin-key-0123456789abcdef0123456789";

/**
 * Automatic embedding end to end: the openai provider against a local OpenAI-compatible stand-in,
 * the queue in the database, the worker, and search by text alone.
 */
describe("automatic embedding (PGRAG_EMBEDDING_PROVIDER=openai)", () => {
  let standIn: EmbeddingStandIn;
  let api: TestApi;

  beforeAll(async () => {
    const provider = standInProvider({ model: "stand-in-small", maxInputsPerCall: 4 });
    standIn = provider.standIn;
    api = await openTestApi({
      ...provider.env,
      PGRAG_EMBEDDING_USD_PER_MILLION_TOKENS: "20",
      PGRAG_EMBEDDING_JOB_ATTEMPTS: "2",
      PGRAG_ADMIN_KEY: ADMIN_KEY,
    }, provider);
  });
  afterAll(async () => {
    await api.close();
    await standIn.close();
  });
  beforeEach(async () => {
    standIn.down = false;
    standIn.latencyMs = 0;
    // A drain works every tenant's queue: what an earlier test left must not count in this one.
    await api.test.db.transaction((tx) => tx.query("delete from pgrag.embedding_queue"));
  });

  /** A tenant of its own, so counts and the ledger start from nothing. */
  const freshTenant = async () => {
    const tenant = await api.addTenant();
    const as = (key: string) => (method: string, path: string, body?: unknown) =>
      api.request(method, path, { key, body });
    return { ...tenant, writer: as(tenant.keys.writer), reader: as(tenant.keys.reader) };
  };
  const drain = () => api.embedding!.drain(performance.now() + 30_000);

  it("embeds uploaded documents, marks them processed, meters the tokens and finds them by text alone", async () => {
    const tenant = await freshTenant();
    const texts = [
      "Penguins huddle together through the polar winter",
      "Volcanic eruptions reshape island coastlines",
      "Sourdough bread rises slowly with wild yeast",
      "Binary search halves the interval at every step",
      "Glaciers carve valleys over thousands of years",
      "Tidal pools shelter anemones and small crabs",
    ];
    const upload = await tenant.writer("POST", "/documents", {
      documents: texts.map((content, i) => ({ id: `doc-${i}`, content })),
    });
    expect(upload.status).toBe(200);
    expect(upload.body.documents.map((d: { status: string }) => d.status))
      .toEqual(texts.map(() => "pending"));

    const queue = await tenant.reader("GET", "/embeddings/queue");
    expect(queue.body).toMatchObject({ provider: "openai", model: "stand-in-small", queued: 6 });

    const callsBefore = standIn.calls.length;
    const report = await drain();
    expect(report).toMatchObject({ claimed: 6, embedded: 6, failed: 0 });
    // Six texts at four inputs per call.
    expect(standIn.calls.length - callsBefore).toBe(2);

    const counts = await tenant.reader("GET", "/documents/status-counts");
    expect(counts.body).toMatchObject({ processed: 6, pending: 0, processing: 0, all: 6 });
    expect((await tenant.reader("GET", "/embeddings/queue")).body.queued).toBe(0);

    const found = await tenant.reader("POST", "/search", {
      query: texts[3],
      mode: "vector",
      top_k: 3,
    });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ mode: "vector", embedding_source: "provider" });
    const best = found.body.results[0];
    expect(best.document_id).toBe("doc-3");
    expect(best.similarity).toBeCloseTo(1, 5);

    const summary = await tenant.reader("GET", "/usage/summary?group_by=operation");
    const embedding = summary.body.items.find((g: { key: string }) => g.key === "embedding");
    const chunkTokens = texts.reduce((sum, text) => sum + standInTokens(text), 0);
    // One ledger row per batch embedded (its provider calls in the row's metadata), one for the
    // query.
    expect(embedding.total_tokens).toBe(chunkTokens + standInTokens(texts[3]));
    expect(embedding.operations).toBe(2);
    expect(embedding.total_cost).toBeCloseTo(embedding.total_tokens * 20 / 1_000_000, 9);
  });

  it("makes a query's embedding once: a repeated query costs no provider call", async () => {
    const tenant = await freshTenant();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "a", content: "quiet harbour at dawn" }],
    });
    await drain();
    const search = () => tenant.reader("POST", "/search", { query: "harbour at dawn" });
    const before = standIn.calls.length;
    const first = await search();
    const second = await search();
    expect(standIn.calls.length - before).toBe(1);
    expect(first.body.mode).toBe("hybrid");
    expect(second.body.results).toEqual(first.body.results);
  });

  it("answers 503 embedding_unavailable with Retry-After when the provider is down, or keywords when asked", async () => {
    const tenant = await freshTenant();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "k", content: "lighthouse keepers log the weather" }],
      embedding: "none",
    });
    standIn.down = true;
    const refused = await tenant.reader("POST", "/search", { query: "lighthouse weather log" });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe("embedding_unavailable");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

    const fallback = await tenant.reader("POST", "/search", {
      query: "lighthouse weather log",
      fallback: "keyword",
    });
    expect(fallback.status).toBe(200);
    expect(fallback.body).toMatchObject({ mode: "keyword", embedding_source: null });
    expect(fallback.body.results.map((r: { document_id: string }) => r.document_id))
      .toEqual(["k"]);
  });

  it("fails a document with the provider's error after its attempts, and recovers when queued again", async () => {
    const tenant = await freshTenant();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "f", content: "a document the provider cannot take yet" }],
    });
    standIn.down = true;
    // Attempt 1 puts it back to wait; attempt 2 (PGRAG_EMBEDDING_JOB_ATTEMPTS) fails it.
    expect(await drain()).toMatchObject({ claimed: 1, retried: 1, failed: 0 });
    const waiting = await tenant.reader("GET", "/documents/f");
    expect(waiting.body.status).toBe("pending");
    expect(waiting.body.error_msg).toMatch(/^embedding will be retried: openai: /);
    await makeDue(tenant.tenantId);
    expect(await drain()).toMatchObject({ claimed: 1, failed: 1 });
    const failed = await tenant.reader("GET", "/documents/f");
    expect(failed.body.status).toBe("failed");
    expect(failed.body.error_msg).toMatch(/^embedding failed: openai: .*503/);
    expect((await tenant.reader("GET", "/embeddings/queue")).body.failed).toBe(1);
    // Failed entries are not claimed again on their own.
    expect(await drain()).toMatchObject({ claimed: 0 });

    standIn.down = false;
    const requeued = await tenant.writer("POST", "/embeddings/queue", {});
    expect(requeued.body).toEqual({ queued: 1 });
    expect((await tenant.reader("GET", "/documents/f")).body.status).toBe("pending");
    expect(await drain()).toMatchObject({ embedded: 1 });
    const recovered = await tenant.reader("GET", "/documents/f");
    expect(recovered.body).toMatchObject({ status: "processed", error_msg: null });
  });

  it("re-embeds a chunk whose content changed, and leaves alone one that kept it", async () => {
    const tenant = await freshTenant();
    const upload = (content: string) =>
      tenant.writer("POST", "/documents", { documents: [{ id: "c", content }] });
    await upload("first version of the text");
    await drain();
    const unchanged = await upload("first version of the text");
    expect(unchanged.body.documents[0].status).toBe("processed");
    expect((await tenant.reader("GET", "/embeddings/queue")).body.queued).toBe(0);

    await upload("second version, other words entirely");
    expect((await tenant.reader("GET", "/documents/c")).body.status).toBe("pending");
    const before = standIn.calls.length;
    expect(await drain()).toMatchObject({ embedded: 1 });
    expect(standIn.calls.slice(before).flatMap((call) => call.inputs))
      .toEqual(["second version, other words entirely"]);
  });

  it("drops an embedding made for content that changed while it was being made", async () => {
    const tenant = await freshTenant();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "r", content: "text as it was claimed" }],
    });
    standIn.latencyMs = 400;
    const draining = drain();
    // The worker has claimed the chunk and waits for the provider; the client edits it.
    expect(await until(async () => standIn.calls.length > 0 && (await queueClaimed(tenant)), 5_000))
      .toBe(true);
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "r", content: "text as it is now" }],
    });
    await draining;
    standIn.latencyMs = 0;
    await drain();
    const chunk = await api.test.db.transaction((tx) =>
      tx.query(
        "select c.embedding::text as embedding, d.status from pgrag.chunks c " +
          "join pgrag.documents d on d.tenant_id = c.tenant_id and d.id = c.document_id " +
          "where c.tenant_id = $1 and c.document_id = 'r'",
        [tenant.tenantId],
      )
    );
    expect(chunk).toHaveLength(1);
    expect(chunk[0].status).toBe("processed");
    const stored = JSON.parse(String(chunk[0].embedding)) as number[];
    const expected = await vectorOf("text as it is now");
    stored.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
  });

  it("stores what a client sends: embedding none queues nothing, a sent embedding ends the entry", async () => {
    const tenant = await freshTenant();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "n", content: "kept without an embedding" }],
      embedding: "none",
    });
    expect((await tenant.reader("GET", "/embeddings/queue")).body.queued).toBe(0);

    await tenant.writer("POST", "/documents", {
      documents: [{ id: "s", content: "queued, then embedded by its client" }],
    });
    expect((await tenant.reader("GET", "/embeddings/queue")).body.queued).toBe(1);
    const chunkId = (await tenant.reader("GET", "/documents/s")).body;
    expect(chunkId.status).toBe("pending");
    const chunks = await api.test.db.transaction((tx) =>
      tx.query("select id from pgrag.chunks where tenant_id = $1 and document_id = 's'", [
        tenant.tenantId,
      ])
    );
    const put = await tenant.writer("PUT", "/chunks/embeddings", {
      items: [{ id: chunks[0].id, embedding: [0.1, 0.2, 0.3] }],
    });
    expect(put.status).toBe(200);
    expect((await tenant.reader("GET", "/embeddings/queue")).body.queued).toBe(0);
  });

  it("does not embed a tenant over its enforced budget, and its documents say why", async () => {
    const tenant = await freshTenant();
    await api.test.db.transaction((tx) =>
      tx.query(
        "update pgrag.tenants set monthly_budget_usd = 0.01, settings = '{\"enforce_budget\": true}' " +
          "where id = $1",
        [tenant.tenantId],
      )
    );
    await tenant.writer("POST", "/usage", {
      model_name: "gpt",
      provider: "openai",
      input_tokens: 1,
      output_tokens: 1,
      input_cost: 0.02,
      output_cost: 0,
    });
    // An upload is itself refused over budget; the chunks were queued before the budget ran out.
    await api.test.db.transaction(async (tx) => {
      await tx.query("update pgrag.tenants set settings = '{}' where id = $1", [tenant.tenantId]);
    });
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "b", content: "written before the budget was enforced" }],
    });
    await api.test.db.transaction((tx) =>
      tx.query(
        "update pgrag.tenants set settings = '{\"enforce_budget\": true}' where id = $1",
        [tenant.tenantId],
      )
    );
    const before = standIn.calls.length;
    expect(await drain()).toMatchObject({ claimed: 0, paused: 1 });
    expect(standIn.calls.length).toBe(before);
    const document = await tenant.reader("GET", "/documents/b");
    expect(document.body.status).toBe("pending");
    expect(document.body.error_msg).toMatch(/^embedding paused: the monthly budget/);
  });

  it("takes over the claim of a worker that died once its lease has passed", async () => {
    const tenant = await freshTenant();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "l", content: "claimed by a worker that never came back" }],
    });
    // A worker claims with a one-second lease and dies before storing anything.
    await api.test.db.run({ role: "api", tenantId: tenant.tenantId }, [
      { text: "select pgrag.claim_embeddings(10, 1)" },
    ]);
    expect(await drain()).toMatchObject({ claimed: 0 });
    expect((await tenant.reader("GET", "/documents/l")).body.status).toBe("processing");
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await drain()).toMatchObject({ claimed: 1, embedded: 1 });
    expect((await tenant.reader("GET", "/documents/l")).body.status).toBe("processed");
  });

  it("drains on a scheduler's call: POST /admin/embeddings/drain with the admin key", async () => {
    const tenant = await freshTenant();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "d1", content: "drained by a cron job" }, {
        id: "d2",
        content: "and its neighbour",
      }],
    });
    const refused = await api.request("POST", "/admin/embeddings/drain", {
      key: null,
      body: {},
    });
    expect(refused.status).toBe(401);
    const drained = await api.request("POST", "/admin/embeddings/drain", {
      key: null,
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
      body: { max_ms: 10_000 },
    });
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ claimed: 2, embedded: 2, failed: 0, texts: 2 });
    expect((await tenant.reader("GET", "/documents/status-counts")).body.processed).toBe(2);
  });

  it("wakes the resident worker on a write: a document is embedded without a drain", async () => {
    const tenant = await freshTenant();
    await api.embedding!.start();
    await tenant.writer("POST", "/documents", {
      documents: [{ id: "w", content: "embedded in the background" }],
    });
    expect(
      await until(
        async () => (await tenant.reader("GET", "/documents/w")).body.status === "processed",
        5_000,
      ),
    ).toBe(true);
  });

  it("searches entities by text with the provider", async () => {
    const tenant = await freshTenant();
    const vector = Array.from(await vectorOf("harbour master"));
    await tenant.writer("POST", "/graph/entities", {
      entities: [{ name: "Harbour master", type: "person", embedding: vector }],
    });
    const found = await tenant.reader("POST", "/entities/search", { query: "harbour master" });
    expect(found.status).toBe(200);
    expect(found.body.results[0]).toMatchObject({ name: "Harbour master" });
  });

  /** Queue entries waiting out a backoff become due now. */
  const makeDue = (tenantId: string) =>
    api.test.db.transaction((tx) =>
      tx.query("update pgrag.embedding_queue set not_before = now() where tenant_id = $1", [
        tenantId,
      ])
    );
  const queueClaimed = async (
    tenant: { reader: (m: string, p: string) => Promise<{ body: { claimed: number } }> },
  ) => (await tenant.reader("GET", "/embeddings/queue")).body.claimed > 0;
  const vectorOf = async (text: string) => (await api.embedding!.provider.embed([text])).vectors[0];
});

describe("without an embedding provider", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  it("refuses embedding auto, a text-only vector search, and the queue's refill", async () => {
    const auto = await api.request("POST", "/documents", {
      body: { documents: [{ content: "x" }], embedding: "auto" },
    });
    expect(auto.status).toBe(400);
    expect(JSON.stringify(auto.body.errors)).toContain("PGRAG_EMBEDDING_PROVIDER");
    const vector = await api.request("POST", "/search", { body: { query: "x", mode: "vector" } });
    expect(vector.status).toBe(400);
    expect(vector.body.errors[0].path).toBe("embedding");
    const keyword = await api.request("POST", "/search", { body: { query: "x" } });
    expect(keyword.body).toMatchObject({ mode: "keyword", embedding_source: null });
    const queue = await api.request("POST", "/embeddings/queue", { body: {} });
    expect(queue.status).toBe(409);
    const status = await api.request("GET", "/embeddings/queue", { key: api.keys.reader });
    expect(status.body).toMatchObject({ provider: null, queued: 0 });
  });
});
