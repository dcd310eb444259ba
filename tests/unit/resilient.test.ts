import { describe, expect, it } from "vitest";
import type { RetryNotice, Row } from "../../shared/db/database.ts";
import type { Attempt, Driver } from "../../shared/db/driver.ts";
import {
  DatabaseBusyError,
  DatabaseError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
} from "../../shared/db/errors.ts";
import { DEFAULT_LIMITS, resilientDatabase } from "../../shared/db/resilient.ts";

/** A driver whose attempts do what the test says, in order, and remember what they were given. */
function scriptedDriver(
  steps: ((attempt: Attempt) => Promise<Row[][]>)[],
  capacity = 1,
) {
  const attempts: Attempt[] = [];
  const driver: Driver = {
    name: "postgres",
    capacity,
    attempt(_scope, _statements, attempt) {
      attempts.push(attempt);
      const step = steps[Math.min(attempts.length - 1, steps.length - 1)];
      return step(attempt);
    },
    transaction: () => Promise.reject(new Error("unused")),
    ping: () => Promise.resolve({ migrated: true }),
    close: () => Promise.resolve(),
  };
  return { driver, attempts };
}

const ok = () => Promise.resolve([[{ ok: 1 }]]);
const fail = (error: Error) => () => Promise.reject(error);
const lostAfterCommit = (attempt: Attempt) => {
  attempt.commitSent();
  return Promise.reject(new DatabaseUnavailableError("the connection closed"));
};
const scope = { role: "admin" } as const;
const limits = { ...DEFAULT_LIMITS, retryBudgetMs: 5_000 };

describe("resilientDatabase()", () => {
  it("runs a transaction again after a serialization failure and a deadlock", async () => {
    const { driver, attempts } = scriptedDriver([
      fail(new DatabaseError("40001", "could not serialize")),
      fail(new DatabaseError("40P01", "deadlock detected")),
      ok,
    ]);
    const retries: RetryNotice[] = [];
    const db = resilientDatabase(driver, limits);
    expect(await db.run(scope, [], { onRetry: (notice) => retries.push(notice) })).toEqual([[{
      ok: 1,
    }]]);
    expect(attempts).toHaveLength(3);
    expect(retries.map((r) => [r.retry, (r.error as DatabaseError).sqlstate])).toEqual([
      [1, "40001"],
      [2, "40P01"],
    ]);
    expect(retries.every((r) => r.delayMs >= 25 && r.delayMs <= 100)).toBe(true);
  });

  it("repeats a run whose connection was lost during COMMIT only when it is idempotent", async () => {
    const plain = scriptedDriver([lostAfterCommit, ok]);
    await expect(resilientDatabase(plain.driver, limits).run(scope, [])).rejects.toBeInstanceOf(
      DatabaseUnavailableError,
    );
    expect(plain.attempts).toHaveLength(1);

    const upsert = scriptedDriver([lostAfterCommit, ok]);
    await resilientDatabase(upsert.driver, limits).run(scope, [], { idempotent: true });
    expect(upsert.attempts).toHaveLength(2);
  });

  it("stops retrying when the budget would be spent, and reports the last error", async () => {
    const { driver, attempts } = scriptedDriver([
      fail(new DatabaseUnavailableError("refused")),
    ]);
    const db = resilientDatabase(driver, { ...limits, retryBudgetMs: 300 });
    const started = performance.now();
    await expect(db.run(scope, [])).rejects.toThrow("refused");
    expect(performance.now() - started).toBeLessThan(400);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.length).toBeLessThan(10);
  });

  it("does not retry without a budget", async () => {
    const { driver, attempts } = scriptedDriver([fail(new DatabaseError("40001", "conflict"))]);
    await expect(resilientDatabase(driver, { ...limits, retryBudgetMs: 0 }).run(scope, []))
      .rejects.toBeInstanceOf(DatabaseError);
    expect(attempts).toHaveLength(1);
  });

  it("aborts the attempt at its deadline with DatabaseTimeoutError", async () => {
    const { driver, attempts } = scriptedDriver([
      (attempt) =>
        new Promise((_, reject) => {
          attempt.signal.addEventListener("abort", () => reject(attempt.signal.reason));
        }),
    ]);
    const db = resilientDatabase(driver, limits);
    const started = performance.now();
    await expect(db.run(scope, [], { deadline: started + 150 })).rejects.toBeInstanceOf(
      DatabaseTimeoutError,
    );
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(300);
    expect(attempts[0].signal.aborted).toBe(true);
    // The statement may run only as long as the run had left.
    expect(attempts[0].limits.statementTimeoutMs).toBeLessThanOrEqual(150);
    expect(attempts[0].limits.lockTimeoutMs).toBeLessThanOrEqual(150);
  });

  it("passes the caller's abort on, with its reason, and never retries it", async () => {
    const { driver, attempts } = scriptedDriver([
      (attempt) =>
        new Promise((_, reject) => {
          attempt.signal.addEventListener("abort", () => reject(new Error("socket closed")));
        }),
    ]);
    const controller = new AbortController();
    const run = resilientDatabase(driver, limits).run(scope, [], {
      signal: controller.signal,
      idempotent: true,
    });
    const reason = new Error("client gone");
    setTimeout(() => controller.abort(reason), 20);
    await expect(run).rejects.toBe(reason);
    expect(attempts).toHaveLength(1);
  });

  it("lets runs in up to the driver's capacity and refuses beyond the queue", async () => {
    let release!: () => void;
    const held = new Promise<Row[][]>((resolve) => release = () => resolve([]));
    const { driver } = scriptedDriver([() => held], 1);
    const db = resilientDatabase(driver, { ...limits, queueLimit: 1 });
    const first = db.run(scope, []);
    const second = db.run(scope, []);
    await expect(db.run(scope, [])).rejects.toBeInstanceOf(DatabaseBusyError);
    expect(db.load()).toMatchObject({ capacity: 1, active: 1, waiting: 1, refused: 1 });
    release();
    await Promise.all([first, second]);
    expect(db.load()).toMatchObject({ active: 0, waiting: 0 });
  });

  it("gives a run's place back while it waits to retry", async () => {
    const { driver } = scriptedDriver([fail(new DatabaseError("40001", "conflict")), ok]);
    const db = resilientDatabase(driver, limits);
    let during: unknown;
    await db.run(scope, [], { onRetry: () => queueMicrotask(() => during = db.load().active) });
    expect(during).toBe(0);
  });
});
