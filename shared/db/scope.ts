import type { Scope, Statement } from "./database.ts";
import type { TransactionLimits } from "./driver.ts";

const ROLE_NAMES = { api: "pgrag_api", admin: "pgrag_admin" } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ACCESS_LEVELS = new Set(["reader", "writer", "admin"]);

/**
 * The settings that open every scoped transaction: the role, the tenant (always written, empty
 * when absent, so a value left on the session can never leak in), UTC for timestamps and the
 * transaction's timeouts. `set_config(..., true)` is the function form of SET LOCAL: it dies with
 * the transaction, so a pooled connection (or a transaction pooler such as PgBouncer or
 * Supavisor) never carries one request's role, tenant or timeouts into the next, and setting
 * them costs no round trip of its own.
 */
function contextSettings(scope: Scope, limits: TransactionLimits): [name: string, value: string][] {
  const tenantId = "tenantId" in scope
    ? scope.tenantId ?? ""
    : "token" in scope
    ? scope.token.tenantId
    : "";
  if (tenantId !== "" && !UUID.test(tenantId)) throw new TypeError("tenant id must be a UUID");
  // request.jwt.claims is emptied as well: pgrag.current_tenant_id() falls back to it for clients
  // that come through Supabase's PostgREST, never for this API.
  return [
    ["role", ROLE_NAMES[scope.role]],
    ["pgrag.tenant_id", tenantId.toLowerCase()],
    ["request.jwt.claims", ""],
    ["timezone", "UTC"],
    ["statement_timeout", milliseconds(limits.statementTimeoutMs)],
    ["lock_timeout", milliseconds(limits.lockTimeoutMs)],
    ["idle_in_transaction_session_timeout", milliseconds(limits.idleInTransactionTimeoutMs)],
  ];
}

/** A timeout as PostgreSQL reads it: an integer, in milliseconds; 0 turns the timeout off. */
function milliseconds(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError("timeouts are integer ms");
  return String(value);
}

/**
 * A credential scope is completed by the database. For an API key `pgrag.authenticate_api_key`
 * finds the key by its hash, refuses a revoked key, a weaker level or a suspended tenant, and sets
 * the tenant, all in the transaction that does the work, so a revoked key stops working on its
 * next request. For a verified token `pgrag.authenticate_token` checks the level the token grants
 * and the tenant's status the same way.
 */
function credentialCheck(scope: Scope): { statement: Statement; script: string } | null {
  if ("apiKeyHash" in scope) {
    if (!SHA256_HEX.test(scope.apiKeyHash)) throw new TypeError("API key hash must be SHA-256 hex");
    if (!ACCESS_LEVELS.has(scope.access)) throw new TypeError("unknown access level");
    return {
      statement: {
        text: "select pgrag.authenticate_api_key(decode($1, 'hex'), $2)",
        params: [scope.apiKeyHash, scope.access],
      },
      script: `select pgrag.authenticate_api_key(decode('${scope.apiKeyHash}', 'hex'), ` +
        `'${scope.access}')`,
    };
  }
  if ("token" in scope) {
    if (!ACCESS_LEVELS.has(scope.access) || !ACCESS_LEVELS.has(scope.token.role)) {
      throw new TypeError("unknown access level");
    }
    return {
      statement: {
        text: "select pgrag.authenticate_token($1, $2)",
        params: [scope.token.role, scope.access],
      },
      script: `select pgrag.authenticate_token('${scope.token.role}', '${scope.access}')`,
    };
  }
  return null;
}

/** The context as parameterized statements, for drivers that send them in the same request. */
export function scopeStatements(scope: Scope, limits: TransactionLimits): Statement[] {
  const settings = contextSettings(scope, limits);
  const statements: Statement[] = [{
    text: "select " +
      settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", "),
    params: settings.flat(),
  }];
  const check = credentialCheck(scope);
  if (check) statements.push(check.statement);
  return statements;
}

/**
 * BEGIN and the context as one parameterless script: drivers that must describe a parameterized
 * statement before executing it (postgres.js without prepared statements) or that wait for each
 * reply (node-postgres over Neon's WebSocket) send it as a single simple-protocol message, which
 * saves one or two round trips per request. The role names, levels and time zone are constants;
 * the tenant id and key hash come from verified credentials or our own hashing and are checked
 * to be a UUID and 64 hex digits (levels: one of three words) right here, so nothing else can
 * reach the text; the timeouts are integers, checked as well.
 */
export function beginScopeScript(scope: Scope, limits: TransactionLimits): string {
  const settings = contextSettings(scope, limits).map(([name, value]) =>
    `set_config('${name}', '${value}', true)`
  );
  const check = credentialCheck(scope);
  return `begin; select ${settings.join(", ")}${check ? `; ${check.script}` : ""}`;
}
