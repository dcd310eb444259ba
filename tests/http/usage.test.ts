import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

interface Call {
  model_name: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  input_cost: number;
  output_cost: number;
  operation?: string;
  metadata?: Record<string, unknown>;
}

/** Costs are multiples of 1/64 so that sums in JavaScript are exact, like the ledger's. */
const call = (fields: Partial<Call> = {}): Call => ({
  model_name: "gpt-4o-mini",
  provider: "openai",
  input_tokens: 100,
  output_tokens: 20,
  input_cost: 0.015625,
  output_cost: 0.0625,
  ...fields,
});

describe("usage and budgets (API §8: POST /usage, GET /usage/summary)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  const tenantWith = async (fields: { budget?: number; settings?: unknown } = {}) => {
    const tenant = await api.addTenant();
    await api.test.db.transaction((tx) =>
      tx.query(
        "update pgrag.tenants set monthly_budget_usd = $2, settings = $3::text::jsonb " +
          "where id = $1",
        [tenant.tenantId, fields.budget ?? null, JSON.stringify(fields.settings ?? {})],
      )
    );
    return tenant;
  };

  const ledgerSize = async (tenantId: string) => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ n: number }>(
        "select count(*)::int as n from pgrag.cost_tracking where tenant_id = $1",
        [tenantId],
      )
    );
    return row.n;
  };

  /** What the database clock says now, in a form the API accepts for `from` and `to`. */
  const databaseNow = async () => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<{ now: string }>(
        `select to_char(clock_timestamp() at time zone 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now`,
      )
    );
    return row.now;
  };

  it("records a call with its totals and tracks the month against the budget", async () => {
    const { keys } = await tenantWith({ budget: 10 });
    const record = (fields: Partial<Call>) =>
      api.request("POST", "/usage", { key: keys.writer, body: call(fields) });

    const first = await record({
      input_tokens: 1200,
      output_tokens: 345,
      input_cost: 1,
      output_cost: 2,
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      total_tokens: 1545,
      total_cost: 3,
      month_to_date_cost: 3,
      budget_usd: 10,
      budget_status: "ok",
    });

    // 8 of 10: warning from 80%.
    const second = await record({ input_cost: 4.5, output_cost: 0.5 });
    expect(second.body).toMatchObject({
      total_cost: 5,
      month_to_date_cost: 8,
      budget_status: "warning",
    });
    // Exactly the budget is exceeded; later calls still record and stay exceeded.
    const third = await record({ input_cost: 2, output_cost: 0 });
    expect(third.body).toMatchObject({ month_to_date_cost: 10, budget_status: "exceeded" });
    const fourth = await record({ input_cost: 0.25, output_cost: 0.25 });
    expect(fourth.status).toBe(201);
    expect(fourth.body).toMatchObject({ month_to_date_cost: 10.5, budget_status: "exceeded" });
    expect(new Set([first, second, third, fourth].map((r) => r.body.id)).size).toBe(4);
  });

  it("reports ok without a budget, and keeps fractional costs exact", async () => {
    const { keys } = await tenantWith();
    const response = await api.request("POST", "/usage", {
      key: keys.writer,
      body: call({ input_cost: 0.000150, output_cost: 0.000600, operation: "embed" }),
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      total_cost: 0.00075,
      month_to_date_cost: 0.00075,
      budget_usd: null,
      budget_status: "ok",
    });
  });

  it("refuses invalid calls with 400 naming the field, recording nothing", async () => {
    const { tenantId, keys } = await tenantWith();
    const { model_name: _, ...withoutModel } = call();
    const cases: [body: unknown, field: string][] = [
      [call({ input_tokens: -1 }), "input_tokens"],
      [call({ output_tokens: 1.5 }), "output_tokens"],
      [withoutModel, "model_name"],
      [call({ model_name: "   " }), "model_name"],
      [{ ...call(), surprise: true }, "surprise"],
      [{ ...call(), input_cost: "0.1" }, "input_cost"],
      [call({ output_cost: -0.5 }), "output_cost"],
      [call({ metadata: [1, 2] as unknown as Record<string, unknown> }), "metadata"],
    ];
    for (const [body, field] of cases) {
      const response = await api.request("POST", "/usage", { key: keys.writer, body });
      expect(response.status, field).toBe(400);
      expect(response.body.code).toBe("validation_failed");
      expect(JSON.stringify(response.body.errors), field).toContain(field);
    }
    expect(await ledgerSize(tenantId)).toBe(0);
  });

  it("lets a reader read the summary but not record", async () => {
    const { tenantId, keys } = await tenantWith();
    const refused = await api.request("POST", "/usage", { key: keys.reader, body: call() });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("forbidden");
    expect(await ledgerSize(tenantId)).toBe(0);
    const summary = await api.request("GET", "/usage/summary", { key: keys.reader });
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual({ items: [] });
  });

  it("summarizes by model, day and operation exactly as the calls add up", async () => {
    const { keys } = await tenantWith();
    const calls: Call[] = [
      call({ model_name: "gpt-4o", operation: "generate", input_cost: 0.5, output_cost: 1.25 }),
      call({ model_name: "gpt-4o", operation: "generate", input_tokens: 7, output_tokens: 0 }),
      call({ model_name: "gpt-4o-mini", operation: "keywords", input_cost: 0.125 }),
      call({ model_name: "text-embedding-3-small", operation: "embed", output_tokens: 0 }),
      call({ model_name: "gpt-4o-mini", input_tokens: 3, output_cost: 0 }),
      call({ model_name: "claude", provider: "anthropic", operation: "generate" }),
    ];
    for (const body of calls) {
      expect((await api.request("POST", "/usage", { key: keys.writer, body })).status).toBe(201);
    }
    const today = new Date().toISOString().slice(0, 10);
    const expected = (keyOf: (c: Call) => string | null) => {
      const groups = new Map<string | null, { operations: number; tokens: number; cost: number }>();
      for (const c of calls) {
        const group = groups.get(keyOf(c)) ?? { operations: 0, tokens: 0, cost: 0 };
        group.operations += 1;
        group.tokens += c.input_tokens + c.output_tokens;
        group.cost += c.input_cost + c.output_cost;
        groups.set(keyOf(c), group);
      }
      // Ordered by key, calls without an operation last.
      return [...groups.entries()]
        .sort(([a], [b]) => a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0)
        .map(([key, g]) => ({
          key,
          operations: g.operations,
          total_tokens: g.tokens,
          total_cost: g.cost,
        }));
    };
    const summary = async (query: string) => {
      const response = await api.request("GET", `/usage/summary${query}`, { key: keys.reader });
      expect(response.status, query).toBe(200);
      return response.body.items;
    };
    expect(await summary("?group_by=model")).toEqual(expected((c) => c.model_name));
    expect(await summary("")).toEqual(expected((c) => c.model_name));
    expect(await summary("?group_by=operation")).toEqual(expected((c) => c.operation ?? null));
    // Runs near midnight UTC could straddle two days; the totals hold either way.
    const days = await summary("?group_by=day");
    if (days.length === 1) expect(days).toEqual(expected(() => today));
    expect(days.reduce((sum: number, day: { operations: number }) => sum + day.operations, 0))
      .toBe(calls.length);
  });

  it("filters the summary by from (inclusive) and to (exclusive)", async () => {
    const { keys } = await tenantWith();
    const record = (model_name: string) =>
      api.request("POST", "/usage", { key: keys.writer, body: call({ model_name }) });
    await record("early");
    await record("early");
    const between = await databaseNow();
    await record("late");
    const after = await databaseNow();

    const models = async (query: string) => {
      const response = await api.request("GET", `/usage/summary?group_by=model&${query}`, {
        key: keys.reader,
      });
      expect(response.status, query).toBe(200);
      return response.body.items.map((item: { key: string; operations: number }) =>
        `${item.key}×${item.operations}`
      );
    };
    expect(await models(`to=${between}`)).toEqual(["early×2"]);
    expect(await models(`from=${between}`)).toEqual(["late×1"]);
    expect(await models(`from=${between}&to=${after}`)).toEqual(["late×1"]);
    expect(await models(`from=${after}`)).toEqual([]);
    expect(await models("from=2000-01-01T00:00:00Z&to=2000-02-01T00:00:00%2B01:00")).toEqual([]);
    expect(await models("from=2000-01-01T00:00:00Z")).toEqual(["early×2", "late×1"]);
  });

  it("refuses a bad group_by or time with 400 naming the parameter", async () => {
    const { keys } = await tenantWith();
    for (
      const [query, field] of [
        ["group_by=provider", "group_by"],
        ["from=yesterday", "from"],
        ["to=2026-11-01", "to"],
        ["from=2026-11-01T00:00:00", "from"],
      ]
    ) {
      const response = await api.request("GET", `/usage/summary?${query}`, { key: keys.reader });
      expect(response.status, query).toBe(400);
      expect(response.body.code).toBe("validation_failed");
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  });

  it("with enforce_budget, refuses searches and document writes with 402 while over budget", async () => {
    const { tenantId, keys } = await tenantWith({ budget: 1, settings: { enforce_budget: true } });
    const search = () =>
      api.request("POST", "/search", { key: keys.reader, body: { query: "anything" } });
    const write = (id: string) =>
      api.request("POST", "/documents", {
        key: keys.writer,
        body: { documents: [{ id, content: `content of ${id}` }] },
      });
    const record = (cost: number) =>
      api.request("POST", "/usage", {
        key: keys.writer,
        body: call({ input_cost: cost, output_cost: 0 }),
      });

    // Under budget (even at the warning level) everything works.
    expect((await record(0.875)).body.budget_status).toBe("warning");
    expect((await search()).status).toBe(200);
    expect((await write("before")).status).toBe(200);

    expect((await record(0.125)).body.budget_status).toBe("exceeded");
    const before = await tenantFingerprint(api.test.db, tenantId);
    const searched = await search();
    expect(searched.status).toBe(402);
    expect(searched.body).toMatchObject({ code: "budget_exceeded", status: 402 });
    const written = await write("after");
    expect(written.status).toBe(402);
    expect(written.body.code).toBe("budget_exceeded");
    expect(await tenantFingerprint(api.test.db, tenantId)).toBe(before);

    // Spend is still recorded, and other routes keep working.
    const recorded = await record(0.5);
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ month_to_date_cost: 1.5, budget_status: "exceeded" });
    expect((await api.request("GET", "/documents/before", { key: keys.reader })).status).toBe(200);
    expect((await api.request("DELETE", "/documents/before", { key: keys.writer })).status)
      .toBe(204);

    // Raising the budget lifts the refusal at once.
    await api.test.db.transaction((tx) =>
      tx.query("update pgrag.tenants set monthly_budget_usd = 100 where id = $1", [tenantId])
    );
    expect((await search()).status).toBe(200);
    expect((await write("after")).status).toBe(200);
  });

  it("without enforce_budget, an exceeded budget is only reported", async () => {
    const { keys } = await tenantWith({ budget: 1, settings: { enforce_budget: false } });
    const recorded = await api.request("POST", "/usage", {
      key: keys.writer,
      body: call({ input_cost: 5, output_cost: 0 }),
    });
    expect(recorded.body.budget_status).toBe("exceeded");
    const searched = await api.request("POST", "/search", {
      key: keys.reader,
      body: { query: "anything" },
    });
    expect(searched.status).toBe(200);
    const written = await api.request("POST", "/documents", {
      key: keys.writer,
      body: { documents: [{ content: "still writable" }] },
    });
    expect(written.status).toBe(200);
  });

  it("keeps each tenant's spend to itself", async () => {
    const a = await tenantWith({ budget: 10 });
    const b = await tenantWith({ budget: 10 });
    const recordedA = await api.request("POST", "/usage", {
      key: a.keys.writer,
      body: call({ model_name: "only-a", input_cost: 9, output_cost: 0 }),
    });
    expect(recordedA.body.budget_status).toBe("warning");

    const summaryB = await api.request("GET", "/usage/summary", { key: b.keys.admin });
    expect(summaryB.body).toEqual({ items: [] });
    const recordedB = await api.request("POST", "/usage", {
      key: b.keys.writer,
      body: call({ input_cost: 1, output_cost: 0 }),
    });
    expect(recordedB.body).toMatchObject({ month_to_date_cost: 1, budget_status: "ok" });
    const summaryA = await api.request("GET", "/usage/summary", { key: a.keys.reader });
    expect(summaryA.body.items.map((item: { key: string }) => item.key)).toEqual(["only-a"]);
  });
});
