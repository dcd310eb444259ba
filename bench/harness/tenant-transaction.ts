/**
 * One transaction as pgrag's API runs a tenant's statements: it opens with the settings the
 * product's database seam sets (shared/db/scope.ts: the API role, the tenant, no JWT claims,
 * UTC), so row level security and every function see what they see behind the HTTP API. Its
 * timeouts are off: a benchmark's batch takes as long as it takes, where a request has a deadline.
 */
import type postgres from "postgres";
import { scopeStatements } from "../../shared/db/scope.ts";

const UNBOUNDED = { statementTimeoutMs: 0, lockTimeoutMs: 0, idleInTransactionTimeoutMs: 0 };

export function inTenant<T>(
  sql: postgres.Sql,
  tenantId: string,
  body: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  const [context] = scopeStatements({ role: "api", tenantId }, UNBOUNDED);
  return sql.begin(async (tx) => {
    await tx.unsafe(context.text, context.params as postgres.ParameterOrJSON<never>[]);
    return await body(tx);
  }) as Promise<T>;
}
