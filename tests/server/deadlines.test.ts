import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseError, DatabaseTimeoutError } from "../../shared/db/errors.ts";
import {
  currentDriver,
  openTestDatabase,
  proxyTarget,
  type TestDatabase,
  testServer,
} from "../support/database.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

/**
 * Deadlines on a real server: what a run is allowed, what happens on the server when it is
 * abandoned, and that the pool is whole afterwards. postgres.js cancels the statement on the
 * server; the Neon paths cannot, and statement_timeout (never more than the time the run has
 * left) ends it there.
 */
const driver = currentDriver();
const cancels = driver === "postgres";

describe(`deadlines, ${driver}`, () => {
  let proxy: TcpProxy;
  let test: TestDatabase;
  let admin: postgres.Sql;

  beforeAll(async () => {
    proxy = startTcpProxy(proxyTarget());
    test = await openTestDatabase({
      via: { hostname: "127.0.0.1", port: proxy.port },
      maxConnections: 2,
      limits: { statementTimeoutMs: 1_500, idleInTransactionTimeoutMs: 600, lockTimeoutMs: 300 },
    });
    admin = postgres(testServer().adminUrl, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await test.close();
    await proxy.close();
    await admin.end();
  });

  /** Backends of the test database whose current query contains `marker`. */
  const running = async (marker: string) => {
    const database = new URL(testServer().databaseUrl).pathname.slice(1);
    const rows = await admin`
      select state from pg_stat_activity
       where datname = ${database} and query like ${"%" + marker + "%"}`;
    return rows.map((row) => row.state as string);
  };
  const gone = async (marker: string, withinMs: number) => {
    const started = performance.now();
    while (performance.now() - started < withinMs) {
      if ((await running(marker)).length === 0) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${marker} still runs after ${withinMs} ms: ${await running(marker)}`);
  };
  const sleepFor = (seconds: number) => {
    const marker = `sleep_${crypto.randomUUID().replaceAll("-", "")}`;
    return {
      marker,
      statement: { text: `select pg_sleep($1::float) as ${marker}`, params: [seconds] },
    };
  };

  it("sets statement, lock and idle timeouts with the scope, lowered to the time left", async () => {
    const read = {
      text: "select (select setting from pg_settings where name = 'statement_timeout') as s, " +
        "(select setting from pg_settings where name = 'lock_timeout') as l, " +
        "(select setting from pg_settings where name = " +
        "'idle_in_transaction_session_timeout') as i",
    };
    const [[roomy]] = await test.db.run({ role: "admin" }, [read]);
    expect(roomy).toEqual({ s: "1500", l: "300", i: "600" });
    const [[tight]] = await test.db.run({ role: "admin" }, [read], {
      deadline: performance.now() + 800,
    });
    expect(Number(tight.s)).toBeLessThanOrEqual(800);
    expect(Number(tight.s)).toBeGreaterThan(600);
    // Nothing stays on the session: outside a scoped transaction the server defaults hold.
    const [[after]] = await test.db.run({ role: "admin" }, [read]);
    expect(after).toEqual(roomy);
  });

  it("ends a run at its deadline and stops its statement on the server", async () => {
    const { marker, statement } = sleepFor(10);
    const started = performance.now();
    await expect(
      test.db.run({ role: "admin" }, [statement], { deadline: started + 700 }),
    ).rejects.toBeInstanceOf(DatabaseTimeoutError);
    expect(performance.now() - started).toBeLessThan(900);
    // statement_timeout was 700 ms at most: the server ends it even where nobody cancels.
    expect(await gone(marker, 1_500)).toBeLessThan(cancels ? 400 : 1_500);
    const [[row]] = await test.db.run({ role: "admin" }, [{ text: "select 1 as one" }]);
    expect(row.one).toBe(1);
  });

  it("stops the statement of a run whose client went away", async () => {
    const { marker, statement } = sleepFor(10);
    const controller = new AbortController();
    const reason = new Error("client gone");
    const run = test.db.run({ role: "admin" }, [statement], { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await running(marker)).toEqual(["active"]);
    const aborted = performance.now();
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(performance.now() - aborted).toBeLessThan(100);
    // postgres.js cancels it; elsewhere the 1.5 s statement_timeout of the test's limits does.
    expect(await gone(marker, 2_000)).toBeLessThan(cancels ? 400 : 2_000);
  });

  it("answers at the deadline when the network stalls, and the server ends the idle transaction", async () => {
    const { marker, statement } = sleepFor(0.2);
    const started = performance.now();
    const run = test.db.run({ role: "admin" }, [statement, { text: "select 2" }], {
      deadline: started + 1_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.stall();
    try {
      await expect(run).rejects.toBeInstanceOf(DatabaseTimeoutError);
      expect(performance.now() - started).toBeLessThan(1_200);
      // The sleep ended, its answer is held by the stalled network, and the backend waits
      // idle in its transaction until idle_in_transaction_session_timeout (600 ms) ends it.
      await gone(marker, 2_000);
    } finally {
      proxy.restore();
    }
    const [[row]] = await test.db.run({ role: "admin" }, [{ text: "select 1 as one" }]);
    expect(row.one).toBe(1);
  });

  it("gives up a lock wait at lock_timeout", async () => {
    const table = `lock_${crypto.randomUUID().replaceAll("-", "")}`;
    const holder = postgres(testServer().databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await holder.unsafe(`create table public.${table} (id int primary key)`);
      await holder.unsafe(`grant select, update on public.${table} to pgrag_admin`);
      await holder.unsafe(`insert into public.${table} values (1)`);
      const reserved = await holder.reserve();
      await reserved.unsafe(`begin; lock table public.${table} in exclusive mode`);
      const started = performance.now();
      const refused = await test.db.run({ role: "admin" }, [{
        text: `update public.${table} set id = 1`,
      }]).catch((error) => error);
      expect(refused).toBeInstanceOf(DatabaseError);
      expect(refused.sqlstate).toBe("55P03");
      expect(performance.now() - started).toBeLessThan(1_000);
      await reserved.unsafe("rollback");
      reserved.release();
    } finally {
      await holder.unsafe(`drop table if exists public.${table}`);
      await holder.end();
    }
  });
});
