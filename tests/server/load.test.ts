import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";
import { createApiKey } from "../support/api.ts";
import {
  createTenant,
  currentDriver,
  openTestDatabase,
  TEST_EMBEDDING_DIM,
  type TestDatabase,
  testServer,
} from "../support/database.ts";
import { until } from "../support/until.ts";

/**
 * Load and abandoned requests through the HTTP app: a bounded queue that sheds with 503 at once,
 * /health answering beside a full pool, 504 at the request deadline, and requests whose clients
 * left taking their work on the database with them.
 */
const driver = currentDriver();
const cancels = driver === "postgres";

describe(`load and abandoned requests, ${driver}`, () => {
  let test: TestDatabase;
  let admin: postgres.Sql;
  let tenantId: string;
  let key: string;
  const database = () => new URL(testServer().databaseUrl).pathname.slice(1);

  beforeAll(async () => {
    test = await openTestDatabase({
      maxConnections: 2,
      limits: { queueLimit: 2, queueTimeoutMs: 3_000, statementTimeoutMs: 2_000 },
    });
    admin = postgres(testServer().databaseUrl, { max: 2, onnotice: () => {} });
    tenantId = await createTenant(test.db);
    key = await createApiKey(test.db, tenantId, "writer");
  });
  afterAll(async () => {
    await test.close();
    await admin.end();
  });

  const appWith = (env: Record<string, string> = {}) =>
    createApp({
      config: parseConfig({ PGRAG_EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), ...env }),
      database: () => Promise.resolve(test.db),
    });
  const hold = (seconds: number) =>
    test.db.run({ role: "admin" }, [{ text: "select pg_sleep($1::float)", params: [seconds] }]);
  const upsert = (id: string, init: RequestInit = {}) => ({
    method: "POST",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify({ documents: [{ id, content: `Text of ${id}.` }] }),
    ...init,
  });
  /** Locks the tenant's usage counters, which every document write updates, until released. */
  const lockUsage = async () => {
    const reserved = await admin.reserve();
    await reserved.unsafe(
      "begin; select * from pgrag.tenant_usage where tenant_id = $1 for update",
      [tenantId],
    ).catch(async () => {
      // The parameterized form cannot be a two-statement script.
      await reserved.unsafe("begin");
      await reserved.unsafe("select * from pgrag.tenant_usage where tenant_id = $1 for update", [
        tenantId,
      ]);
    });
    return async () => {
      await reserved.unsafe("rollback");
      reserved.release();
    };
  };
  const waitingOnLocks = async () => {
    const [row] = await admin`
      select count(*)::int as n from pg_stat_activity
       where datname = ${database()} and wait_event_type = 'Lock'`;
    return row.n as number;
  };
  it("sheds requests beyond the queue with 503 and Retry-After at once; /health reports it", async () => {
    const app = appWith();
    // The key is checked once before bodies are read; that check is not what is shed here.
    expect((await app.request("/rag/v1/documents", upsert("warm"))).status).toBe(200);
    const before = test.db.load().refused;
    const held = [hold(0.8), hold(0.8), hold(0.8), hold(0.8)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    // An audited write: its refusal must not queue an audit row behind the full pool too.
    const shed = await app.request("/rag/v1/documents", upsert("shed"));
    expect(performance.now() - started).toBeLessThan(200);
    expect(shed.status).toBe(503);
    expect(shed.headers.get("retry-after")).toBe("1");
    expect(await shed.json()).toMatchObject({ code: "unavailable" });

    const probed = performance.now();
    const health = await app.request("/rag/v1/health");
    expect(performance.now() - probed).toBeLessThan(500);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "busy",
      db: "ok",
      load: { capacity: 2, active: 2, waiting: 2, queue_limit: 2, refused: before + 1 },
    });

    // The queued ones waited their turn and ran.
    await Promise.all(held);
    expect((await app.request("/rag/v1/documents", { headers: { "X-API-Key": key } })).status)
      .toBe(200);
    expect(await (await app.request("/rag/v1/health")).json()).toMatchObject({
      status: "ok",
      load: { active: 0, waiting: 0 },
    });
  });

  it("answers 504 with Retry-After at the request deadline and cancels the write", async () => {
    // A first write creates the tenant's usage row that the lock below holds.
    expect((await appWith().request("/rag/v1/documents", upsert("first"))).status).toBe(200);
    const app = appWith({ PGRAG_REQUEST_TIMEOUT_MS: "800" });
    const release = await lockUsage();
    try {
      const started = performance.now();
      const response = await app.request("/rag/v1/documents", upsert("late"));
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(response.status).toBe(504);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toMatchObject({ code: "timeout" });
      // Cancelled by postgres.js at once; elsewhere statement_timeout (≤ 800 ms) ends it.
      expect(await until(async () => (await waitingOnLocks()) === 0, cancels ? 300 : 1_000))
        .toBe(true);
    } finally {
      await release();
    }
    const [row] = await admin`
      select count(*)::int as n from pgrag.documents where tenant_id = ${tenantId} and id = 'late'`;
    expect(row.n).toBe(0);
  });

  it("stops the database work of requests whose clients went away", async () => {
    // Room in the queue for all of them: 2 wait for the lock, 18 for a connection.
    const roomy = await openTestDatabase({
      maxConnections: 2,
      limits: { queueLimit: 32, statementTimeoutMs: 2_000 },
    });
    const app = createApp({
      config: parseConfig({ PGRAG_EMBEDDING_DIM: String(TEST_EMBEDDING_DIM) }),
      database: () => Promise.resolve(roomy.db),
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const url = `http://127.0.0.1:${server.addr.port}/rag/v1/documents`;
    expect((await fetch(url, upsert("seed"))).status).toBe(200);
    const release = await lockUsage();
    try {
      const controllers = Array.from({ length: 20 }, () => new AbortController());
      const requests = controllers.map((controller, i) =>
        fetch(url, upsert(`gone-${i}`, { signal: controller.signal })).catch(() => "aborted")
      );
      expect(await until(async () => (await waitingOnLocks()) === 2, 2_000)).toBe(true);
      for (const controller of controllers) controller.abort();
      expect(await Promise.all(requests)).toEqual(controllers.map(() => "aborted"));
      // Nothing keeps waiting for the lock: cancelled at once by postgres.js, by the 2 s
      // statement_timeout elsewhere, and the 18 queued requests never reached the database.
      expect(await until(async () => (await waitingOnLocks()) === 0, cancels ? 500 : 2_500))
        .toBe(true);
      expect(roomy.db.load()).toMatchObject({ active: 0, waiting: 0, refused: 0 });
    } finally {
      await release();
      await server.shutdown();
      await roomy.close();
    }
    const [row] = await admin`
      select count(*)::int as n from pgrag.documents
       where tenant_id = ${tenantId} and id like 'gone-%'`;
    expect(row.n).toBe(0);
  });
});
