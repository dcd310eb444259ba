/**
 * One transaction as pgrag's API runs a tenant's statements: it opens with the settings the
 * product's database seam sets (shared/db/scope.ts: the API role, the tenant, no JWT claims,
 * UTC), so row level security and every function see what they see behind the HTTP API.
 */
import type postgres from "postgres";
import { scopeStatements } from "../../shared/db/scope.ts";

export function inTenant<T>(
  sql: postgres.Sql,
  tenantId: string,
  body: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  const [context] = scopeStatements({ role: "api", tenantId });
  return sql.begin(async (tx) => {
    await tx.unsafe(context.text, context.params as postgres.ParameterOrJSON<never>[]);
    return await body(tx);
  }) as Promise<T>;
}
