import type { Scope, Statement } from "./database.ts";

const ROLE_NAMES = { api: "pgrag_api", admin: "pgrag_admin" } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The settings that open every scoped transaction: the role, the tenant (always written, empty
 * when absent, so a value left on the session can never leak in) and UTC for timestamps.
 * `set_config(..., true)` is the function form of SET LOCAL: it dies with the transaction, so a
 * pooled connection (or a transaction pooler such as PgBouncer or Supavisor) never carries one
 * request's role or tenant into the next.
 */
function contextSettings(scope: Scope): [name: string, value: string][] {
  const tenantId = scope.role === "api" ? scope.tenantId ?? "" : "";
  return [["role", ROLE_NAMES[scope.role]], ["pgrag.tenant_id", tenantId], ["timezone", "UTC"]];
}

/** The context as one parameterized statement, for drivers that send it in the same request. */
export function scopeStatement(scope: Scope): Statement {
  const settings = contextSettings(scope);
  return {
    text: "select " +
      settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", "),
    params: settings.flat(),
  };
}

/**
 * BEGIN and the context as one parameterless script: drivers that must describe a parameterized
 * statement before executing it (postgres.js without prepared statements) or that wait for each
 * reply (node-postgres over Neon's WebSocket) send it as a single simple-protocol message, which
 * saves one or two round trips per request. The role names and time zone are constants; the
 * tenant id comes from verified credentials and is checked to be a canonical UUID right here, so
 * nothing else can reach the text.
 */
export function beginScopeScript(scope: Scope): string {
  const settings = contextSettings(scope).map(([name, value]) => {
    if (name !== "pgrag.tenant_id") return `set_config('${name}', '${value}', true)`;
    if (value !== "" && !UUID.test(value)) throw new TypeError("tenant id must be a UUID");
    return `set_config('${name}', '${value.toLowerCase()}', true)`;
  });
  return `begin; select ${settings.join(", ")}`;
}
