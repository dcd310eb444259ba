import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";
import type { Statement } from "../../shared/db/database.ts";
import { createApiKey } from "../support/api.ts";
import {
  createTenant,
  currentDriver,
  openTestDatabase,
  proxyTarget,
  type TestDatabase,
} from "../support/database.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

/**
 * Round trips one request costs, counted on the wire: TCP turns for postgres.js and the Neon
 * WebSocket pool, HTTP requests for Neon HTTP. Connections are warm (open, authenticated).
 */
const parameterized: Statement = {
  text: "select count(*) from pgrag.documents where id <> $1",
  params: ["x"],
};

/**
 * Per driver: [one parameterized statement, three of them, a write (`POST /documents`), a search
 * (`POST /search`)]. A write or a search is the budget check (no parameters) and one statement
 * that calls the route's function and appends its audit row; before the audit row joined the
 * route's transaction, each also cost the audit transaction: 6 and 6 on postgres.js, 2 and 2
 * with prepared statements, 7 and 7 on the Neon WebSocket pool, 2 and 2 over Neon HTTP.
 */
const EXPECTED = {
  // BEGIN+context with the first describe; each parameterized statement is described, then
  // executed; COMMIT follows the last one. The budget check, without parameters, goes with BEGIN.
  "postgres": [3, 7, 3, 3],
  // Prepared statements: the whole transaction goes out in one write.
  "postgres (prepared statements)": [1, 1, 1, 1],
  // node-postgres waits for each reply: BEGIN+context, each statement, COMMIT.
  "neon-ws": [3, 5, 4, 4],
  // One `transaction([...])` request.
  "neon-http": [1, 1, 1, 1],
} as const;

/**
 * The early check of an API key a request with a body makes before its body is read (see
 * shared/http/verified-keys.ts): a transaction of its own that only authenticates the key, paid
 * once per key every few seconds. A warm key costs nothing more (the counts above).
 */
const EXPECTED_KEY_CHECK = {
  // BEGIN with the context and the key's check, then COMMIT.
  "postgres": 2,
  "postgres (prepared statements)": 1,
  "neon-ws": 2,
  "neon-http": 1,
} as const;

const variants = currentDriver() === "postgres"
  ? [{ name: "postgres", prepare: false }, {
    name: "postgres (prepared statements)",
    prepare: true,
  }]
  : [{ name: currentDriver(), prepare: false }];

for (const variant of variants) {
  const name = variant.name as keyof typeof EXPECTED;
  describe(`round trips per request, ${name}`, () => {
    let proxy: TcpProxy;
    let test: TestDatabase;
    let tenantId: string;

    beforeAll(async () => {
      proxy = startTcpProxy(proxyTarget());
      test = await openTestDatabase({
        via: { hostname: "127.0.0.1", port: proxy.port },
        prepare: variant.prepare,
        maxConnections: 1,
      });
      tenantId = await createTenant(test.db);
    });
    afterAll(async () => {
      await test.close();
      await proxy.close();
    });

    const count = async (work: () => Promise<unknown>): Promise<number> => {
      await work(); // warm: the connection is open and statements are prepared
      proxy.resetCount();
      test.http?.resetCount();
      await work();
      return test.http ? test.http.requests : proxy.roundTrips;
    };

    it(`costs ${EXPECTED[name][0]} for a transaction with one parameterized statement`, async () => {
      const trips = await count(() => test.db.run({ role: "api", tenantId }, [parameterized]));
      console.log(`round trips, ${name}, one statement: ${trips}`);
      expect(trips).toBe(EXPECTED[name][0]);
    });

    it(`costs ${EXPECTED[name][1]} for a transaction with three`, async () => {
      const three = [parameterized, parameterized, parameterized];
      const trips = await count(() => test.db.run({ role: "api", tenantId }, three));
      console.log(`round trips, ${name}, three statements: ${trips}`);
      expect(trips).toBe(EXPECTED[name][1]);
    });

    const sendAs = (key: string) => {
      const app = createApp({
        config: parseConfig({ PGRAG_EMBEDDING_DIM: "3" }),
        database: () => Promise.resolve(test.db),
      });
      return async (path: string, body: unknown) => {
        const response = await app.request(`/rag/v1${path}`, {
          method: "POST",
          headers: { "X-API-Key": key, "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        expect(response.status, await response.clone().text()).toBe(200);
      };
    };

    it(`costs ${EXPECTED[name][2]} for a write and ${EXPECTED[name][3]} for a search, each with its audit row`, async () => {
      const send = sendAs(await createApiKey(test.db, tenantId, "writer"));
      let n = 0;
      const write = await count(() =>
        send("/documents", { documents: [{ content: `round trip ${n++}` }] })
      );
      const search = await count(() => send("/search", { query: "round trip", top_k: 3 }));
      console.log(`round trips, ${name}: a write ${write}, a search ${search}`);
      expect([write, search]).toEqual(EXPECTED[name].slice(2));
      // Two writes and two searches (warm-up and counted), one audit row each.
      const [[{ rows }]] = await test.db.run({ role: "api", tenantId }, [{
        text: "select count(*)::int as rows from pgrag.audit_logs",
      }]);
      expect(rows).toBe(4);
    });

    it(`costs ${EXPECTED_KEY_CHECK[name]} more for a write whose API key is not yet remembered`, async () => {
      const key = await createApiKey(test.db, tenantId, "writer");
      let n = 0;
      // A new app each time: its memory of verified keys is empty.
      const cold = await count(() =>
        sendAs(key)("/documents", { documents: [{ content: `cold key ${n++}` }] })
      );
      console.log(`round trips, ${name}: a write with a key not yet remembered ${cold}`);
      expect(cold - EXPECTED[name][2]).toBe(EXPECTED_KEY_CHECK[name]);
    });

    it("costs one for GET /health", async () => {
      const app = createApp({
        config: parseConfig({}),
        database: () => Promise.resolve(test.db),
      });
      const trips = await count(async () => {
        expect((await app.request("/rag/v1/health")).status).toBe(200);
      });
      expect(trips).toBe(1);
    });
  });
}
