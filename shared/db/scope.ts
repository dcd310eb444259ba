import type { Scope, Statement } from "./database.ts";

const ROLE_NAMES = { api: "pgrag_api", admin: "pgrag_admin" } as const;

/**
 * The statement that opens every scoped transaction. `set_config(..., true)` is the function form
 * of SET LOCAL: it dies with the transaction, so a pooled connection (or a transaction pooler such
 * as PgBouncer or Supavisor) never carries one request's role or tenant into the next. The tenant
 * is always written, empty when absent, so a value left on the session can never leak in.
 * Timestamps are rendered in UTC.
 */
export function scopeStatement(scope: Scope): Statement {
  const tenantId = scope.role === "api" ? scope.tenantId ?? "" : "";
  return {
    text: "select set_config('role', $1, true), set_config('pgrag.tenant_id', $2, true), " +
      "set_config('timezone', 'UTC', true)",
    params: [ROLE_NAMES[scope.role], tenantId],
  };
}
