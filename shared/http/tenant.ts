import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { hashApiKey, isApiKeyShaped } from "../auth/api-keys.ts";
import type { TokenVerifier } from "../auth/jwt.ts";
import type { AccessLevel, Scope } from "../db/database.ts";
import { Problem } from "./problem.ts";

/** How a tenant request proved who it is; the database completes the check (see scope.ts). */
export type Credential =
  | { kind: "api_key"; hash: string }
  | { kind: "token"; tenantId: string; role: AccessLevel; subject: string | null };

/**
 * Tenant routes take an API key in `X-API-Key` or a JWT in `Authorization: Bearer`. A key is
 * only hashed here: whether it exists, is revoked, allows the route, and whose tenant it is, the
 * database decides in the request's own transaction (`pgrag.authenticate_api_key`). A token is
 * verified here (signature, algorithm, expiry, issuer, audience); its level and its tenant's
 * status are again checked by the database (`pgrag.authenticate_token`).
 */
export function requireCredentials(verifier: TokenVerifier | null): MiddlewareHandler<AppEnv> {
  return async function requireCredentials(c, next) {
    const key = c.req.header("x-api-key");
    const bearer = /^Bearer +(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (key !== undefined) {
      if (!isApiKeyShaped(key)) throw new Problem("unauthenticated", "the API key is not valid");
      c.set("credential", { kind: "api_key", hash: await hashApiKey(key) });
    } else if (bearer !== undefined) {
      if (!verifier) {
        throw new Problem("unauthenticated", "bearer tokens are not enabled; send X-API-Key");
      }
      c.set("credential", { kind: "token", ...(await verifier.verify(bearer)) });
    } else {
      throw new Problem(
        "unauthenticated",
        "send an API key in X-API-Key or a JWT in Authorization: Bearer",
      );
    }
    await next();
  };
}

/** The scope a tenant route runs its statements in, at the level the route needs. */
export function tenantScope(c: Context<AppEnv>, access: AccessLevel): Scope {
  const credential = c.var.credential;
  if (credential.kind === "api_key") return { role: "api", apiKeyHash: credential.hash, access };
  return {
    role: "api",
    token: { tenantId: credential.tenantId, role: credential.role },
    access,
  };
}

/** Who acted, as the audit and cost records name them; null lets the database name the key. */
export function actorOf(credential: Credential): string | null {
  if (credential.kind === "api_key") return null;
  return `user:${credential.subject ?? "anonymous"}`;
}

export interface CallOptions {
  /** Refuse with 402 while the tenant is over an enforced monthly budget. */
  enforceBudget?: boolean;
  /**
   * Calling it twice leaves the rows calling it once does: an upsert. Its transaction is then
   * retried even when the connection was lost after COMMIT was sent (shared/db/retry.ts).
   */
  idempotent?: boolean;
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
  options: CallOptions = {},
): Promise<T> {
  const statements = [{ text: `select ${call} as result`, params }];
  if (options.enforceBudget) {
    statements.unshift({ text: "select pgrag.enforce_budget()", params: [] });
  }
  const rows = await c.var.db.run(tenantScope(c, access), statements, {
    idempotent: options.idempotent,
  });
  return rows[rows.length - 1][0]?.result as T;
}
