import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../shared/db/database.ts";
import {
  createTenant,
  openTestDatabase,
  type TestDatabase,
  testServer,
} from "../support/database.ts";

/**
 * postgres.js behind PgBouncer in transaction mode with a single server connection: every
 * transaction of every client below runs on the same PostgreSQL backend, as on Supabase's and
 * Neon's poolers under load.
 */
describe("postgres.js behind PgBouncer in transaction mode", () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let tenantA: string;
  let tenantB: string;

  const countAndBackend = (db: Database, tenantId: string | null) =>
    db.run({ role: "api", tenantId }, [{
      text: "select count(*)::int as n, pg_backend_pid() as backend from pgrag.documents",
    }]).then(([[row]]) => row as { n: number; backend: number });

  beforeAll(async () => {
    const url = testServer().pgbouncerUrl;
    first = await openTestDatabase({ url });
    second = await openTestDatabase({ url });
    tenantA = await createTenant(first.db, "A");
    tenantB = await createTenant(first.db, "B");
    await first.db.run({ role: "api", tenantId: tenantA }, [{
      text: "insert into pgrag.documents (tenant_id, id, content) values ($1, 'a-1', 'text')",
      params: [tenantA],
    }]);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it("leaves no role or tenant on the shared connection for the next transaction", async () => {
    const mine = await countAndBackend(first.db, tenantA);
    expect(mine.n).toBe(1);
    // A plain client on the same backend, in its own transaction, switching role but setting
    // no tenant: it sees nothing, and nothing of the previous transaction's context.
    const plain = postgres(testServer().pgbouncerUrl, { max: 1, prepare: false });
    try {
      const [before] = await plain`
        select current_user as role, current_setting('pgrag.tenant_id', true) as tenant,
               pg_backend_pid() as backend`;
      expect(before.backend).toBe(mine.backend);
      expect(before.role).toBe("postgres");
      expect(before.tenant ?? "").toBe("");
      const [rows] = await plain.begin((tx) => [
        tx`set local role pgrag_api`,
        tx`select count(*)::int as n, pg_backend_pid() as backend from pgrag.documents`,
      ]).then((results) => results.slice(1));
      expect(rows).toEqual([{ n: 0, backend: mine.backend }]);
    } finally {
      await plain.end();
    }
    expect((await countAndBackend(second.db, null)).n).toBe(0);
    expect((await countAndBackend(second.db, tenantB)).n).toBe(0);
  });

  it("overrides a session-level tenant another client left on the connection", async () => {
    const careless = postgres(testServer().pgbouncerUrl, { max: 1, prepare: false });
    try {
      await careless.unsafe(`set pgrag.tenant_id = '${tenantA}'`);
      const [{ leaked }] = await careless`select current_setting('pgrag.tenant_id') as leaked`;
      expect(leaked).toBe(tenantA);
      expect((await countAndBackend(second.db, null)).n).toBe(0);
      expect((await countAndBackend(second.db, tenantB)).n).toBe(0);
    } finally {
      await careless.unsafe("reset pgrag.tenant_id");
      await careless.end();
    }
  });

  it("keeps interleaved requests of two tenants apart", async () => {
    const requests = Array.from({ length: 40 }, (_, i) => i % 2 === 0 ? tenantA : tenantB);
    const seen = await Promise.all(
      requests.map((tenant, i) =>
        (i % 3 === 0 ? first : second).db.run({ role: "api", tenantId: tenant }, [{
          text: "select pgrag.current_tenant_id() as tenant, count(*)::int as n " +
            "from pgrag.documents",
        }]).then(([[row]]) => row)
      ),
    );
    seen.forEach((row, i) => {
      expect(row).toEqual({ tenant: requests[i], n: requests[i] === tenantA ? 1 : 0 });
    });
  });
});
