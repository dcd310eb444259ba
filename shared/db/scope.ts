import type { Scope, Statement } from "./database.ts";

const ROLE_NAMES = { api: "pgrag_api", admin: "pgrag_admin" } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The statement that opens every scoped transaction. `set_config(..., true)` is the function form
 * of SET LOCAL: it dies with the transaction, so a pooled connection (or a transaction pooler such
 * as PgBouncer or Supavisor) never carries one request's role or tenant into the next. The tenant
 * is always written, empty when absent, so a value left on the session can never leak in.
 * Timestamps are rendered in UTC.
 */
export function scopeStatement(scope: Scope): Statement {
  return {
    text: "select set_config('role', $1, true), set_config('pgrag.tenant_id', $2, true), " +
      "set_config('timezone', 'UTC', true)",
    params: [ROLE_NAMES[scope.role], tenantOf(scope)],
  };
}

/**
 * The same context as `scopeStatement`, preceded by BEGIN, as one parameterless script: drivers
 * that must describe a parameterized statement before executing it (postgres.js without prepared
 * statements) or that wait for each reply (node-postgres over Neon's WebSocket) send it as a
 * single simple-protocol message, which saves one or two round trips per request. The only value
 * in it is the tenant id, which comes from verified credentials and is checked to be a canonical
 * UUID right here; anything else throws.
 */
export function beginScopeScript(scope: Scope): string {
  const tenantId = tenantOf(scope);
  if (tenantId !== "" && !UUID.test(tenantId)) throw new TypeError("tenant id must be a UUID");
  return "begin; select set_config('role', '" + ROLE_NAMES[scope.role] + "', true), " +
    "set_config('pgrag.tenant_id', '" + tenantId.toLowerCase() + "', true), " +
    "set_config('timezone', 'UTC', true)";
}

function tenantOf(scope: Scope): string {
  return scope.role === "api" ? scope.tenantId ?? "" : "";
}
