import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";

/** A write whose month has no partition (maintenance never ran) creates it instead of failing. */
describe("the audit and cost ledgers' current month", () => {
  let test: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    test = await openTestDatabase();
    tenantId = await createTenant(test.db, "partitions");
  });
  afterAll(() => test.close());

  it("is created by the first write that needs it", async () => {
    const month = new Date().toISOString().slice(0, 7).replace("-", "_");
    const created = await test.db.transaction(async (tx) => {
      // Dropped and written again inside one transaction that is rolled back below.
      await tx.query(`drop table pgrag.audit_logs_${month}, pgrag.cost_tracking_${month}`);
      await tx.query("set local role pgrag_api");
      await tx.query("select set_config('pgrag.tenant_id', $1, true)", [tenantId]);
      await tx.query(
        "select pgrag.record_audit('user:test', 'upsert', '/documents', null, true, null, 1, " +
          "'{}', null, null)",
      );
      await tx.query(
        "select pgrag.record_usage('user:test', $1::text::json)",
        [JSON.stringify({
          model_name: "m",
          provider: "p",
          input_tokens: 1,
          output_tokens: 2,
          input_cost: 0.1,
          output_cost: 0.2,
        })],
      );
      // The API role has no privileges on partitions; count them as the connecting role.
      await tx.query("reset role");
      const [row] = await tx.query<{ audit: number; costs: number }>(
        `select (select count(*)::int from pgrag.audit_logs_${month}) as audit, ` +
          `(select count(*)::int from pgrag.cost_tracking_${month}) as costs`,
      );
      throw Object.assign(new Error("rollback"), { row });
    }).catch((error) => {
      // The driver wraps what the work threw; the counts ride on the original error.
      const row = error.row ?? error.cause?.row;
      if (!row) throw error;
      return row as { audit: number; costs: number };
    });
    expect(created).toEqual({ audit: 1, costs: 1 });
  });
});
