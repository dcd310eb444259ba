import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { hashApiKey, isApiKeyShaped } from "../auth/api-keys.ts";
import type { AccessLevel, Scope } from "../db/database.ts";
import { Problem } from "./problem.ts";

/**
 * Tenant routes need an API key in `X-API-Key`. This only hashes it: whether the key exists,
 * is revoked, allows the route, and whose tenant it is, the database decides in the request's
 * own transaction (see `pgrag.authenticate_api_key`).
 */
export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async function requireApiKey(c, next) {
    const key = c.req.header("x-api-key");
    if (key === undefined) {
      throw new Problem("unauthenticated", "send the tenant's API key in the X-API-Key header");
    }
    if (!isApiKeyShaped(key)) throw new Problem("unauthenticated", "the API key is not valid");
    c.set("apiKeyHash", await hashApiKey(key));
    await next();
  };
}

/** The scope a tenant route runs its statements in, at the level the route needs. */
export function tenantScope(c: Context<AppEnv>, access: AccessLevel): Scope {
  return { role: "api", apiKeyHash: c.var.apiKeyHash, access };
}

/**
 * Calls one pgrag SQL function in the tenant's scope and returns its single value: each tenant
 * route is this one statement inside its authenticated transaction. Arrays and objects cross as
 * JSON text (`$1::text::json`), booleans as text (`$2::text::boolean`): declared `text`, every
 * driver passes the string through untouched, where typed parameters are serialized differently
 * by each (postgres.js would encode a string for a `json` parameter a second time).
 */
export async function callTenantFunction<T>(
  c: Context<AppEnv>,
  access: AccessLevel,
  call: string,
  params: readonly unknown[] = [],
): Promise<T> {
  const [rows] = await c.var.db.run(tenantScope(c, access), [{
    text: `select ${call} as result`,
    params,
  }]);
  return rows[0]?.result as T;
}
