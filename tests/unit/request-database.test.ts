import { Hono } from "hono";
import { timing } from "hono/timing";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Database, RunOptions } from "../../shared/db/database.ts";
import { DatabaseError } from "../../shared/db/errors.ts";
import { requestDeadline } from "../../shared/http/deadline.ts";
import { requestDatabase } from "../../shared/http/request-database.ts";

/** A database whose runs report `retries` retries, then answer; it records what it was given. */
function retryingDatabase(retries: number) {
  const given: RunOptions[] = [];
  const db = {
    driver: "postgres",
    run(_scope, _statements, options = {}) {
      given.push(options);
      for (let retry = 1; retry <= retries; retry++) {
        options.onRetry?.({
          retry,
          delayMs: 10,
          error: new DatabaseError("40001", "could not serialize"),
          commitSent: false,
        });
      }
      return Promise.resolve([[{ ok: true }]]);
    },
  } as Pick<Database, "driver" | "run"> as Database;
  return { db, given };
}

const appOver = (db: Database) =>
  new Hono()
    .use(timing())
    .use(requestDeadline({ timeoutMs: 5_000, retryBudgetMs: 2_000 }))
    .use(requestDatabase(() => Promise.resolve(db)))
    .get("/x", async (c) => {
      await c.var.db.run({ role: "admin" }, [], { idempotent: true });
      return c.text("ok");
    });

describe("requestDatabase()", () => {
  afterEach(() => vi.restoreAllMocks());

  it("reports retries in Server-Timing and logs each with the request's id", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const { db } = retryingDatabase(2);
    const response = await appOver(db).request("/x");
    expect(response.status).toBe(200);
    expect(response.headers.get("server-timing")).toMatch(/(^|, *)retry;desc="2"/);
    const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines.filter((line) => line.event === "db_retry")).toMatchObject([
      { retry: 1, sqlstate: "40001", commit_sent: false },
      { retry: 2, sqlstate: "40001", commit_sent: false },
    ]);
  });

  it("says nothing of retries when there were none", async () => {
    const response = await appOver(retryingDatabase(0).db).request("/x");
    expect(response.headers.get("server-timing")).not.toMatch(/retry/);
  });

  it("bounds every run by the request's deadline, signal and shared retry budget", async () => {
    const { db, given } = retryingDatabase(0);
    const started = performance.now();
    await appOver(db).request("/x");
    const [options] = given;
    expect(options.signal).toBeInstanceOf(AbortSignal);
    expect(options.deadline! - started).toBeGreaterThan(4_900);
    expect(options.deadline! - started).toBeLessThanOrEqual(5_050);
    expect(options.retryUntil! - started).toBeLessThanOrEqual(2_050);
    expect(options.idempotent).toBe(true);
  });
});
