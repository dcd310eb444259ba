import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetryNotice, Statement } from "../../shared/db/database.ts";
import { DatabaseError, DatabaseUnavailableError } from "../../shared/db/errors.ts";
import {
  currentDriver,
  openTestDatabase,
  proxyTarget,
  type TestDatabase,
  testServer,
} from "../support/database.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { until } from "../support/until.ts";

/**
 * Retries on a real server: a transaction is repeated after a serialization failure or a
 * deadlock, and after its connection was lost before COMMIT; one whose COMMIT reply was lost
 * is repeated only when idempotent. Each case checks what the table holds afterwards.
 */
const driver = currentDriver();
/** An advisory lock key below 2^31, so it shows in pg_locks as objid with classid 0. */
const randomLockKey = () => 1 + Math.floor(Math.random() * 2 ** 30);

describe(`retries, ${driver}`, () => {
  let proxy: TcpProxy;
  let test: TestDatabase;
  let owner: postgres.Sql;
  const table = `retry_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const sequence = `${table}_attempts`;

  beforeAll(async () => {
    proxy = startTcpProxy(proxyTarget());
    test = await openTestDatabase({ via: { hostname: "127.0.0.1", port: proxy.port } });
    owner = postgres(testServer().databaseUrl, { max: 2, onnotice: () => {} });
    await owner.unsafe(`create table public.${table} (id text primary key, n int default 0)`);
    await owner.unsafe(`create sequence public.${sequence}`);
    await owner.unsafe(
      `grant select, insert, update on public.${table} to pgrag_admin; ` +
        `grant usage, update on sequence public.${sequence} to pgrag_admin`,
    );
  });
  afterAll(async () => {
    await owner.unsafe(`drop table if exists public.${table}; drop sequence public.${sequence}`);
    await owner.end();
    await test.close();
    await proxy.close();
  });

  const rowsOf = async (id: string) =>
    (await owner.unsafe(`select n from public.${table} where id = $1`, [id])).map((r) => r.n);
  const insert = (id: string): Statement => ({
    text: `insert into public.${table} (id) values ($1) on conflict (id) do nothing`,
    params: [id],
  });
  /** Fails the first `times` attempts with `sqlstate`: the sequence counts across rollbacks. */
  const failFirst = async (sqlstate: string, times: number): Promise<Statement> => {
    const start = Number((await owner.unsafe(`select nextval('public.${sequence}') as v`))[0].v);
    return {
      text: `do $$ begin if nextval('public.${sequence}') <= ${start + times} then ` +
        `raise exception 'injected' using errcode = '${sqlstate}'; end if; end $$`,
    };
  };

  it("repeats a transaction after serialization failures until it commits once", async () => {
    const id = crypto.randomUUID();
    const retries: RetryNotice[] = [];
    await test.db.run({ role: "admin" }, [insert(id), await failFirst("40001", 2)], {
      onRetry: (notice) => retries.push(notice),
    });
    expect(retries.map((r) => (r.error as DatabaseError).sqlstate)).toEqual(["40001", "40001"]);
    // Over HTTP, COMMIT goes in the same request; the SQLSTATE says it never committed.
    expect(retries.every((r) => r.commitSent === (driver === "neon-http"))).toBe(true);
    expect(await rowsOf(id)).toEqual([0]);
  });

  it("repeats the loser of a real deadlock; both transactions commit", async () => {
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await owner.unsafe(`insert into public.${table} (id) values ($1), ($2)`, [a, b]);
    const bump = (id: string): Statement => ({
      text: `update public.${table} set n = n + 1 where id = $1`,
      params: [id],
    });
    // A fixed pause let one transaction finish before the other began on a loaded machine, so
    // each waits instead until the other holds its first row (shown by an advisory lock taken
    // beside it) or has committed: the deadlock happens every time, and the retry never waits.
    const [lockA, lockB] = [randomLockKey(), randomLockKey()];
    const holdThenAwait = (mine: number, theirs: number, theirRow: string): Statement => ({
      text: `do $$ begin perform pg_advisory_xact_lock_shared(${mine}); ` +
        `for attempt in 1..200 loop ` +
        `exit when exists (select from pg_locks where locktype = 'advisory' and granted ` +
        `and database = (select oid from pg_database where datname = current_database()) ` +
        `and classid = 0 and objid = ${theirs}) ` +
        `or (select n from public.${table} where id = '${theirRow}') > 0; ` +
        `perform pg_sleep(0.05); end loop; end $$`,
    });
    const retries: RetryNotice[] = [];
    const onRetry = (notice: RetryNotice) => retries.push(notice);
    await Promise.all([
      test.db.run({ role: "admin" }, [bump(a), holdThenAwait(lockA, lockB, b), bump(b)], {
        onRetry,
      }),
      test.db.run({ role: "admin" }, [bump(b), holdThenAwait(lockB, lockA, a), bump(a)], {
        onRetry,
      }),
    ]);
    expect(retries.map((r) => (r.error as DatabaseError).sqlstate)).toEqual(["40P01"]);
    expect([...await rowsOf(a), ...await rowsOf(b)]).toEqual([2, 2]);
  });

  it("gives up with the error once the retry budget is spent", async () => {
    const refused = await test.db.run({ role: "admin" }, [await failFirst("40001", 1000)], {
      retryUntil: performance.now() + 300,
    }).catch((error) => error);
    expect(refused).toBeInstanceOf(DatabaseError);
    expect(refused.sqlstate).toBe("40001");
  });

  it("repeats a transaction whose backend was terminated before COMMIT", async () => {
    const id = crypto.randomUUID();
    const marker = `terminate_${id.replaceAll("-", "")}`;
    const retries: RetryNotice[] = [];
    // Over HTTP the request that carried COMMIT is in doubt once sent: only an idempotent run
    // may be repeated there (this one is: the insert skips a row that exists).
    const run = test.db.run(
      { role: "admin" },
      [insert(id), { text: `select pg_sleep(0.4) as ${marker}` }],
      { onRetry: (notice) => retries.push(notice), idempotent: driver === "neon-http" },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [killed] = await owner`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
       where query like ${"%" + marker + "%"} and pid <> pg_backend_pid()`;
    expect(killed.n).toBe(1);
    await run;
    expect(retries).toHaveLength(1);
    expect(retries[0].error).toBeInstanceOf(DatabaseUnavailableError);
    expect(retries[0].commitSent).toBe(driver === "neon-http");
    expect(await rowsOf(id)).toEqual([0]);
  });

  if (driver === "postgres") {
    // Only this driver's messages can be read on the wire: the WebSocket's are masked.
    it("does not repeat a transaction whose COMMIT reply was lost, which may have committed", async () => {
      const id = crypto.randomUUID();
      const lost = proxy.loseReplyTo("commit");
      const error = await test.db.run({ role: "admin" }, [insert(id)]).catch((e) => e);
      await lost;
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      // It had committed: the client was told the database was unavailable, nothing more. The
      // server may still be finishing that COMMIT, whose reply nobody waits for.
      expect(await until(async () => (await rowsOf(id)).length > 0, 3_000)).toBe(true);
      expect(await rowsOf(id)).toEqual([0]);
    });

    it("repeats an idempotent transaction whose COMMIT reply was lost; its row exists once", async () => {
      const id = crypto.randomUUID();
      const lost = proxy.loseReplyTo("commit");
      const retries: RetryNotice[] = [];
      await test.db.run({ role: "admin" }, [insert(id)], {
        idempotent: true,
        onRetry: (notice) => retries.push(notice),
      });
      await lost;
      expect(retries.map((r) => r.commitSent)).toEqual([true]);
      expect(await rowsOf(id)).toEqual([0]);
    });
  }
});
