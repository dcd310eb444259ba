import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduleMaintenance } from "../../shared/maintenance.ts";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";

/** The embedded database has no pg_cron: the process refreshes tenant_statistics itself. */
describe("the embedded maintenance schedule", () => {
  let test: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    test = await openTestDatabase();
    tenantId = await createTenant(test.db, "embedded");
  });
  afterAll(() => test.close());

  const documentCount = async () => {
    const [row] = await test.db.transaction((tx) =>
      tx.query<{ document_count: string }>(
        "select document_count from pgrag.tenant_statistics where tenant_id = $1",
        [tenantId],
      )
    );
    return Number(row?.document_count ?? -1);
  };
  const addDocument = (id: string) =>
    test.db.run({ role: "api", tenantId }, [{
      text: "insert into pgrag.documents (tenant_id, id, content) values ($1, $2, 'text')",
      params: [tenantId, id],
    }]);
  const eventually = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("the schedule did not refresh in time");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it("refreshes at once and then on every tick, until stopped", async () => {
    await addDocument("first");
    expect(await documentCount()).toBe(-1);
    const stop = scheduleMaintenance(test.db, 100);
    try {
      await eventually(async () => (await documentCount()) === 1);
      await addDocument("second");
      await eventually(async () => (await documentCount()) === 2);
    } finally {
      stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    await addDocument("third");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await documentCount()).toBe(2);
  });
});
