import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

const ADMIN_KEY = "stats-admin-key-0123456789abcdef0123456789";

describe("tenant statistics (API §8: GET /stats; §2: POST /admin/refresh-statistics)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi({ PGRAG_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(() => api.close());

  const refresh = (headers: Record<string, string> = { Authorization: `Bearer ${ADMIN_KEY}` }) =>
    api.request("POST", "/admin/refresh-statistics", { key: null, headers });

  const stats = async (key: string) => {
    const response = await api.request("GET", "/stats", { key });
    expect(response.status).toBe(200);
    return response.body;
  };

  /** The tenant's figures counted now, in the shapes GET /stats answers with. */
  const recount = async (tenantId: string) => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<Record<string, unknown>>(
        `select (select count(*) from pgrag.documents where tenant_id = $1)::int
                  as document_count,
                (select count(*) from pgrag.chunks where tenant_id = $1)::int as chunk_count,
                (select count(*) from pgrag.chunks where tenant_id = $1 and embedding is not null)
                  ::int as embedded_chunks,
                (select round(coalesce(sum(octet_length(content)), 0) / 1048576.0, 3)
                   from pgrag.documents where tenant_id = $1)::float8 as total_size_mb,
                (select coalesce(sum(total_cost), 0) from pgrag.cost_tracking
                  where tenant_id = $1 and created_at >= date_trunc('month', now(), 'UTC'))::float8
                  as monthly_cost,
                (select max(created_at) from pgrag.documents where tenant_id = $1)::text
                  as last_document_created`,
        [tenantId],
      )
    );
    return row;
  };

  /** Whether two timestamps are the same instant, at PostgreSQL's microsecond precision. */
  const sameInstant = async (a: string | null, b: string | null) => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ same: boolean }>(
        "select $1::timestamptz is not distinct from $2::timestamptz as same",
        [a, b],
      )
    );
    return row.same;
  };

  const isAfter = async (later: string | null, earlier: string) => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ after: boolean }>(
        "select coalesce($1::timestamptz > $2::timestamptz, false) as after",
        [later, earlier],
      )
    );
    return row.after;
  };

  /** The database clock now, to compare refresh times with. */
  const databaseNow = async () => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ now: string }>("select clock_timestamp()::text as now")
    );
    return row.now;
  };

  const writeDocuments = (key: string, prefix: string) =>
    api.request("POST", "/documents", {
      key,
      body: {
        documents: [
          {
            id: `${prefix}-1`,
            content: "Ünïcödé content counts in bytes. ".repeat(40),
            chunks: [
              { content: `${prefix} one`, embedding: [1, 0, 0] },
              { content: `${prefix} two`, embedding: [0, 1, 0] },
              { content: `${prefix} three` },
            ],
          },
          { id: `${prefix}-2`, content: "A second, plain document.", chunks: [] },
        ],
      },
    });

  it("answers zeros for a tenant without data", async () => {
    const fresh = await api.addTenant();
    const body = await stats(fresh.keys.reader);
    expect(body).toMatchObject({
      tenant_id: fresh.tenantId,
      document_count: 0,
      chunk_count: 0,
      embedded_chunks: 0,
      total_size_mb: 0,
      last_document_created: null,
      monthly_cost: 0,
    });
    expect(body.refreshed_at === null || typeof body.refreshed_at === "string").toBe(true);
  });

  it("shows the recount of documents, chunks, storage and cost after a refresh", async () => {
    const a = await api.addTenant();
    const recordedAt = await databaseNow();
    expect((await writeDocuments(a.keys.writer, "a")).status).toBe(200);
    for (const [input_cost, output_cost] of [[0.25, 0.5], [1.125, 0]]) {
      const recorded = await api.request("POST", "/usage", {
        key: a.keys.writer,
        body: {
          model_name: "gpt-4o-mini",
          provider: "openai",
          input_tokens: 10,
          output_tokens: 5,
          input_cost,
          output_cost,
        },
      });
      expect(recorded.status).toBe(201);
    }
    // Not refreshed since the writes, the counts are older than them. Other test files share
    // the server's database and may refresh at any time (pg_cron too), hence the condition.
    const stale = await stats(a.keys.reader);
    if (!(await isAfter(stale.refreshed_at, recordedAt))) expect(stale.document_count).toBe(0);

    const refreshed = await refresh();
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({
      refreshed_at: expect.any(String),
      duration_ms: expect.any(Number),
      partitions_created: expect.any(Number),
    });
    expect(refreshed.body.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(refreshed.body.partitions_created)).toBe(true);
    expect(refreshed.body.partitions_created).toBeGreaterThanOrEqual(0);

    const body = await stats(a.keys.reader);
    const counted = await recount(a.tenantId);
    expect(body).toMatchObject({
      tenant_id: a.tenantId,
      document_count: 2,
      chunk_count: 3,
      embedded_chunks: 2,
      monthly_cost: 1.875,
    });
    expect(body).toMatchObject({
      document_count: counted.document_count,
      chunk_count: counted.chunk_count,
      embedded_chunks: counted.embedded_chunks,
      total_size_mb: counted.total_size_mb,
      monthly_cost: counted.monthly_cost,
    });
    expect(body.total_size_mb).toBeGreaterThan(0);
    expect(
      await sameInstant(body.last_document_created, counted.last_document_created as string),
    ).toBe(true);
    // The rows carry the time the refresh answered with (or a later refresh's).
    expect(
      await sameInstant(body.refreshed_at, refreshed.body.refreshed_at) ||
        await isAfter(body.refreshed_at, refreshed.body.refreshed_at),
    ).toBe(true);

    // A snapshot: later writes show only after the next refresh.
    expect((await api.request("DELETE", "/documents/a-2", { key: a.keys.writer })).status)
      .toBe(204);
    const unchanged = await stats(a.keys.reader);
    if (await sameInstant(unchanged.refreshed_at, body.refreshed_at)) {
      expect(unchanged.document_count).toBe(2);
    }
    expect((await refresh()).status).toBe(200);
    expect(await stats(a.keys.reader)).toMatchObject({ document_count: 1, chunk_count: 3 });
  });

  it("shows each tenant only its own row", async () => {
    const a = await api.addTenant();
    const b = await api.addTenant();
    expect((await writeDocuments(a.keys.writer, "a")).status).toBe(200);
    expect(
      (await api.request("POST", "/documents", {
        key: b.keys.writer,
        body: { documents: [{ id: "b-only", content: "b", chunks: [{ content: "b chunk" }] }] },
      })).status,
    ).toBe(200);
    expect((await refresh()).status).toBe(200);

    const seenByB = await stats(b.keys.admin);
    expect(seenByB).toMatchObject({
      tenant_id: b.tenantId,
      document_count: 1,
      chunk_count: 1,
      embedded_chunks: 0,
      monthly_cost: 0,
    });
    expect((await stats(a.keys.reader)).tenant_id).toBe(a.tenantId);
  });

  it("keeps the materialized view and its refresh away from the API role", async () => {
    for (
      const text of [
        "select * from pgrag.tenant_statistics",
        "select pgrag.refresh_tenant_statistics()",
      ]
    ) {
      await expect(api.test.db.run({ role: "api", tenantId: api.tenantId }, [{ text }]), text)
        .rejects.toMatchObject({ sqlstate: "42501" });
    }
  });

  it("refreshes only for the admin key", async () => {
    expect((await api.request("POST", "/admin/refresh-statistics", { key: null })).status)
      .toBe(401);
    const wrong = await refresh({ Authorization: `Bearer ${"w".repeat(ADMIN_KEY.length)}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe("unauthenticated");
    const tenantKey = await api.request("POST", "/admin/refresh-statistics", {
      key: api.keys.admin,
    });
    expect(tenantKey.status).toBe(401);
  });
});
