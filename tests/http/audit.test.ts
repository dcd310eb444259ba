import { Buffer } from "node:buffer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessLevel } from "../../shared/db/database.ts";
import { type ApiResponse, openTestApi, type TestApi } from "../support/api.ts";

interface AuditRow {
  id: string;
  timestamp: string;
  user_id: string;
  action: string;
  resource: string | null;
  resource_id: string | null;
  success: boolean;
  error_message: string | null;
  duration_ms: number | null;
  details: Record<string, unknown>;
}

type Tenant = { tenantId: string; keys: Record<AccessLevel, string> };

describe("audit log (API §8: GET /audit)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  /** The ids of a tenant's API keys by level, as audit rows name them. */
  const keyIds = async (tenantId: string) => {
    const rows = await api.test.db.transaction((tx) =>
      tx.query<{ id: string; role: AccessLevel }>(
        "select id, role from pgrag.api_keys where tenant_id = $1",
        [tenantId],
      )
    );
    return Object.fromEntries(rows.map((row) => [row.role, row.id])) as Record<
      AccessLevel,
      string
    >;
  };

  const auditPage = (tenant: Tenant, query = "", key = tenant.keys.admin) =>
    api.request("GET", `/audit${query}`, { key });

  /** Every row of the tenant's audit log, page by page. */
  const walk = async (tenant: Tenant, query: string) => {
    const rows: AuditRow[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiResponse = await auditPage(
        tenant,
        `?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.status).toBe(200);
      rows.push(...page.body.items);
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 100);
    return { rows, pages };
  };

  /**
   * A tenant that did one of each audited kind of request, and several that are not audited.
   * Returns the request ids of the audited ones, oldest first.
   */
  const tenantWithHistory = async (marker: string) => {
    const tenant = await api.addTenant();
    const { keys } = tenant;
    const requestIdOf = (response: ApiResponse) => response.headers.get("x-request-id")!;
    const audited: { requestId: string; status: number }[] = [];
    const note = (response: ApiResponse, status: number) => {
      expect(response.status).toBe(status);
      audited.push({ requestId: requestIdOf(response), status });
    };
    note(
      await api.request("POST", "/documents", {
        key: keys.writer,
        body: {
          documents: [{
            id: "audited",
            title: `title ${marker}`,
            content: `secret text ${marker}`,
            metadata: { note: marker },
            chunks: [{ content: `chunk ${marker}`, embedding: [1, 0, 0] }],
          }],
        },
      }),
      200,
    );
    note(
      await api.request("POST", "/search", {
        key: keys.reader,
        body: { query: marker, embedding: [1, 0, 0], top_k: 3 },
      }),
      200,
    );
    // Reads are not audited, including the POST routes that only read.
    for (
      const [method, path, body] of [
        ["GET", "/documents/audited"],
        ["GET", "/documents"],
        ["POST", "/documents/get", { ids: ["audited"] }],
        ["POST", "/documents/missing", { ids: ["audited", "other"] }],
        ["POST", "/chunks/get", { ids: ["x"] }],
        ["GET", "/usage/summary"],
        ["GET", "/stats"],
        ["GET", "/audit"],
      ] as const
    ) {
      const response = await api.request(method, path, { key: keys.admin, body });
      expect(response.status, path).toBe(200);
    }
    note(await api.request("DELETE", "/documents/audited", { key: keys.writer }), 204);
    note(
      await api.request("POST", "/documents", {
        key: keys.reader,
        body: { documents: [{ content: `refused ${marker}` }] },
      }),
      403,
    );
    note(
      await api.request("POST", "/documents", {
        key: keys.writer,
        body: { documents: [{ content: `invalid ${marker}`, chunks: "not a list" }] },
      }),
      400,
    );
    return { tenant, audited };
  };

  it("records one row per write and search, newest first, without document text", async () => {
    const marker = `marker-${crypto.randomUUID()}`;
    const { tenant, audited } = await tenantWithHistory(marker);
    const ids = await keyIds(tenant.tenantId);

    const response = await auditPage(tenant);
    expect(response.status).toBe(200);
    expect(response.body.next_cursor).toBeNull();
    const rows: AuditRow[] = response.body.items;
    expect(rows.map((row) => row.details.request_id)).toEqual(
      audited.map((request) => request.requestId).reverse(),
    );
    const [invalid, refused, deleted, searched, written] = rows;
    expect(written).toMatchObject({
      user_id: `api_key:${ids.writer}`,
      action: "upsert",
      resource: "/documents",
      resource_id: null,
      success: true,
      error_message: null,
      details: { method: "POST", route: "/documents", status: 200, documents_count: 1 },
    });
    expect(searched).toMatchObject({
      user_id: `api_key:${ids.reader}`,
      action: "search",
      success: true,
      details: { method: "POST", route: "/search", status: 200, top_k: 3 },
    });
    expect(deleted).toMatchObject({
      user_id: `api_key:${ids.writer}`,
      action: "delete",
      resource: "/documents/:id",
      resource_id: "audited",
      success: true,
      details: { method: "DELETE", status: 204 },
    });
    expect(refused).toMatchObject({
      user_id: `api_key:${ids.reader}`,
      action: "upsert",
      success: false,
      error_message: expect.any(String),
      details: { status: 403, problem: "forbidden" },
    });
    expect(invalid).toMatchObject({
      user_id: `api_key:${ids.writer}`,
      action: "upsert",
      success: false,
      details: { status: 400, problem: "validation_failed" },
    });
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isInteger(row.duration_ms) && row.duration_ms! >= 0).toBe(true);
      expect(Number.isNaN(Date.parse(row.timestamp))).toBe(false);
    }
    // Strictly newest first.
    const times = rows.map((row) => row.timestamp);
    expect(await inDatabaseOrder(times)).toBe(true);
    expect(JSON.stringify(response.body)).not.toContain(marker);
  });

  /** True when the timestamps are strictly decreasing, compared at full precision. */
  const inDatabaseOrder = async (times: string[]) => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ ordered: boolean }>(
        `select coalesce(bool_and(t.at > t.next), true) as ordered
           from (select at, lead(at) over (order by n) as next
                   from json_array_elements_text($1::text::json) with ordinality as u(at_text, n),
                        lateral (select at_text::timestamptz as at) c) t
          where t.next is not null`,
        [JSON.stringify(times)],
      )
    );
    return row.ordered;
  };

  it("stores exactly one row per audited request", async () => {
    const { tenant, audited } = await tenantWithHistory(`m-${crypto.randomUUID()}`);
    const rows = await api.test.db.transaction((tx) =>
      tx.query<{ request_id: string; n: number }>(
        `select details ->> 'request_id' as request_id, count(*)::int as n
           from pgrag.audit_logs where tenant_id = $1 group by 1 order by 1`,
        [tenant.tenantId],
      )
    );
    expect(rows).toEqual(
      audited.map((request) => ({ request_id: request.requestId, n: 1 }))
        .sort((a, b) => a.request_id < b.request_id ? -1 : 1),
    );
  });

  it("walks every row exactly once in pages of two, and filters by action and time", async () => {
    const { tenant, audited } = await tenantWithHistory(`m-${crypto.randomUUID()}`);
    const all: AuditRow[] = (await auditPage(tenant)).body.items;
    const paged = await walk(tenant, "limit=2");
    expect(paged.rows).toEqual(all);
    expect(paged.pages).toBe(Math.ceil(audited.length / 2));

    const byAction = async (action: string) =>
      (await walk(tenant, `action=${action}&limit=1`)).rows.map((row) => row.id);
    expect(await byAction("upsert")).toEqual(
      all.filter((row) => row.action === "upsert").map((row) => row.id),
    );
    expect(await byAction("upsert")).toHaveLength(3);
    expect(await byAction("search")).toHaveLength(1);
    expect(await byAction("delete")).toHaveLength(1);
    expect(await byAction("record")).toEqual([]);

    // `from` is inclusive, `to` exclusive: split at the search.
    const search = all.find((row) => row.action === "search")!;
    const at = encodeURIComponent(search.timestamp);
    const older = (await walk(tenant, `to=${at}&limit=2`)).rows;
    const newer = (await walk(tenant, `from=${at}&limit=2`)).rows;
    expect(older.map((row) => row.action)).toEqual(["upsert"]);
    expect(newer.map((row) => row.id)).toEqual(all.slice(0, 4).map((row) => row.id));
    expect((await walk(tenant, `from=${at}&to=${at}`)).rows).toEqual([]);
    expect((await walk(tenant, `from=${at}&action=delete`)).rows).toHaveLength(1);
  });

  it("pages and filters at full precision, rows of one millisecond included", async () => {
    const tenant = await api.addTenant();
    // Rows microseconds apart within one millisecond: a cursor or bound rounded to milliseconds
    // on its way to the database would skip some of them or let others in.
    const inserted = await api.test.db.transaction((tx) =>
      tx.query<{ id: string; at: string }>(
        `insert into pgrag.audit_logs (tenant_id, created_at, user_id, action, success)
         select $1, date_trunc('milliseconds', now()) + make_interval(secs => n / 1e6),
                'user:clock', 'upsert', true
           from generate_series(100, 500, 100) as n
         returning id, to_char(created_at at time zone 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at`,
        [tenant.tenantId],
      )
    );
    const oldestFirst = inserted.sort((a, b) => a.at < b.at ? -1 : 1);
    const newestFirst = [...oldestFirst].reverse().map((row) => row.id);
    for (const limit of [1, 2]) {
      const { rows } = await walk(tenant, `limit=${limit}`);
      expect(rows.map((row) => row.id), `limit=${limit}`).toEqual(newestFirst);
    }
    const middle = oldestFirst[2].at;
    expect((await walk(tenant, `from=${middle}`)).rows.map((row) => row.id))
      .toEqual(newestFirst.slice(0, 3));
    expect((await walk(tenant, `to=${middle}`)).rows.map((row) => row.id))
      .toEqual(newestFirst.slice(3));
  });

  it("refuses tampered cursors and bad filters with 400", async () => {
    const { tenant } = await tenantWithHistory(`m-${crypto.randomUUID()}`);
    const first = await auditPage(tenant, "?limit=1");
    const cursor: string = first.body.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString());
    const forged = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString("base64url");
    const documentsCursor = (await api.request("GET", "/documents?limit=1", {
      key: tenant.keys.reader,
    })).body.next_cursor;
    const tampered = [
      `${cursor.slice(0, -4)}AAAA`,
      "not a cursor",
      forged({ ...decoded, i: "1' or '1'='1" }),
      forged({ ...decoded, v: "yesterday" }),
      forged({ ...decoded, v: null }),
      forged({ ...decoded, o: "created_at" }),
    ];
    if (documentsCursor) tampered.push(documentsCursor);
    for (const bad of tampered) {
      const response = await auditPage(tenant, `?cursor=${encodeURIComponent(bad)}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.code).toBe("validation_failed");
      expect(response.body.errors[0].path).toBe("cursor");
    }
    for (
      const [query, field] of [
        ["action=read", "action"],
        ["limit=0", "limit"],
        ["limit=201", "limit"],
        ["from=today", "from"],
        ["to=2026-11-01", "to"],
      ]
    ) {
      const response = await auditPage(tenant, `?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.errors[0].path).toBe(field);
    }
  });

  it("is for admin keys only, and shows each tenant only its own rows", async () => {
    const a = await tenantWithHistory(`m-${crypto.randomUUID()}`);
    for (const level of ["reader", "writer"] as const) {
      const refused = await auditPage(a.tenant, "", a.tenant.keys[level]);
      expect(refused.status, level).toBe(403);
      expect(refused.body.code).toBe("forbidden");
    }

    const b = await api.addTenant();
    const quiet = await auditPage(b);
    expect(quiet.body).toEqual({ items: [], next_cursor: null });
    const own = await api.request("POST", "/documents", {
      key: b.keys.writer,
      body: { documents: [{ content: "b's own" }] },
    });
    const seenByB: AuditRow[] = (await auditPage(b)).body.items;
    expect(seenByB.map((row) => row.details.request_id)).toEqual([
      own.headers.get("x-request-id"),
    ]);
    const idsOfA = new Set(a.audited.map((request) => request.requestId));
    expect(seenByB.some((row) => idsOfA.has(row.details.request_id as string))).toBe(false);
  });

  describe("append-only for the API role", () => {
    /** Runs one statement as pgrag_api with the given tenant, in a transaction of its own. */
    const asApi = (tenantId: string, text: string, params: unknown[] = []) =>
      api.test.db.transaction(async (tx) => {
        await tx.query("set local role pgrag_api");
        await tx.query("select set_config('pgrag.tenant_id', $1, true)", [tenantId]);
        return await tx.query(text, params);
      });

    it("refuses UPDATE, DELETE and TRUNCATE, and reading a partition directly", async () => {
      const { tenant } = await tenantWithHistory(`m-${crypto.randomUUID()}`);
      const refusals = [
        "update pgrag.audit_logs set success = true",
        "update pgrag.audit_logs set user_id = 'someone else' where success = false",
        "delete from pgrag.audit_logs",
        "truncate pgrag.audit_logs",
      ];
      const [{ partition }] = await api.test.db.transaction((tx) =>
        tx.query<{ partition: string }>(
          "select 'pgrag.audit_logs_' || to_char(now() at time zone 'UTC', 'YYYY_MM') as partition",
        )
      );
      refusals.push(`select * from ${partition}`, `delete from ${partition}`);
      for (const statement of refusals) {
        await expect(asApi(tenant.tenantId, statement), statement).rejects.toMatchObject({
          sqlstate: "42501",
        });
      }
      const [{ n }] = await api.test.db.transaction((tx) =>
        tx.query<{ n: number }>(
          "select count(*)::int as n from pgrag.audit_logs where tenant_id = $1 and success",
          [tenant.tenantId],
        )
      );
      expect(n).toBe(3);
    });

    it("appends through pgrag.record_audit, for its own tenant only", async () => {
      const a = await api.addTenant();
      const b = await api.addTenant();
      await asApi(
        a.tenantId,
        "select pgrag.record_audit($1, $2, $3, $4, true, null, 5, $5::text::json, null, null)",
        ["user:tester", "record", "/usage", null, JSON.stringify({ via: "sql" })],
      );
      const seen = await asApi(a.tenantId, "select tenant_id, user_id from pgrag.audit_logs");
      expect(seen).toEqual([{ tenant_id: a.tenantId, user_id: "user:tester" }]);
      expect(await asApi(b.tenantId, "select * from pgrag.audit_logs")).toEqual([]);
      // A row planted for another tenant violates row level security.
      await expect(
        asApi(
          a.tenantId,
          "insert into pgrag.audit_logs (tenant_id, user_id, action, success) " +
            "values ($1, 'x', 'upsert', true)",
          [b.tenantId],
        ),
      ).rejects.toMatchObject({ sqlstate: "42501" });
      const listed = await auditPage(a);
      expect(listed.body.items).toMatchObject([{
        user_id: "user:tester",
        action: "record",
        duration_ms: 5,
        details: { via: "sql" },
      }]);
    });
  });
});
