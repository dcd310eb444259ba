import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";
import { VERSION } from "../../shared/version.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

describe("GET /rag/v1/health", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase();
  });
  afterAll(() => test.close());

  it("answers 200 with the database status, version, request id and timings", async () => {
    const app = createApp({ config: parseConfig({}), database: () => Promise.resolve(test.db) });
    const response = await app.request("/rag/v1/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      db: "ok",
      version: VERSION,
      load: {
        capacity: test.db.load().capacity,
        active: 0,
        waiting: 0,
        queue_limit: 32,
        refused: 0,
      },
    });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const timing = response.headers.get("server-timing") ?? "";
    expect(timing).toMatch(/(^|, *)db;dur=\d+(\.\d+)?/);
    expect(timing).toMatch(/(^|, *)total;dur=\d+(\.\d+)?/);
  });

  it("answers 503 degraded when the database cannot be opened, and retries on the next call", async () => {
    let opens = 0;
    const app = createApp({
      config: parseConfig({}),
      database: () => {
        opens++;
        return opens === 1 ? Promise.reject(new Error("not yet")) : Promise.resolve(test.db);
      },
    });
    const down = await app.request("/rag/v1/health");
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(await down.json()).toMatchObject({ status: "degraded", db: "error" });
    expect((await app.request("/rag/v1/health")).status).toBe(200);
  });
});
