import type { Context, MiddlewareHandler } from "hono";
import { hashApiKey, isApiKeyShaped } from "../auth/api-keys.ts";
import type { TokenVerifier } from "../auth/jwt.ts";
import type { AccessLevel, Scope } from "../db/database.ts";
import { Problem } from "./problem.ts";
import type { VerifiedKeys } from "./verified-keys.ts";

/** How a tenant request proved who it is; the database completes the check (see scope.ts). */
export type Credential =
  | { kind: "api_key"; hash: string }
  | { kind: "token"; tenantId: string; role: AccessLevel; subject: string | null };

/** What tenant routes check credentials with; built once per app from the configuration. */
export interface CredentialChecks {
  /** Verifies bearer JWTs; null when no JWT source is configured. */
  tokenVerifier: TokenVerifier | null;
  /** API keys recently accepted by the early check (see verified-keys.ts). */
  verifiedKeys: VerifiedKeys;
}

/**
 * Makes the app's credential checks available to the tenant routes as `c.var.tokenVerifier` and
 * `c.var.verifiedKeys`: they are built once from the configuration, while the routes that use
 * them are declared in their own modules.
 */
export function provideCredentialChecks(
  checks: CredentialChecks,
): MiddlewareHandler<{ Variables: CredentialChecks }> {
  return async function provideCredentialChecks(c, next) {
    c.set("tokenVerifier", checks.tokenVerifier);
    c.set("verifiedKeys", checks.verifiedKeys);
    await next();
  };
}

/**
 * Tenant routes take an API key in `X-API-Key` or a JWT in `Authorization: Bearer`. A key is
 * only hashed here: whether it exists, is revoked, allows the route, and whose tenant it is, the
 * database decides in the request's own transaction (`pgrag.authenticate_api_key`). A token is
 * verified here (signature, algorithm, expiry, issuer, audience); its level and its tenant's
 * status are again checked by the database (`pgrag.authenticate_token`). Throws 401 without a
 * usable credential.
 */
export async function readCredential(
  c: Context,
  verifier: TokenVerifier | null,
): Promise<Credential> {
  const key = c.req.header("x-api-key");
  const bearer = /^Bearer +(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (key !== undefined) {
    if (!isApiKeyShaped(key)) throw new Problem("unauthenticated", "the API key is not valid");
    return { kind: "api_key", hash: await hashApiKey(key) };
  }
  if (bearer !== undefined) {
    if (!verifier) {
      throw new Problem("unauthenticated", "bearer tokens are not enabled; send X-API-Key");
    }
    return { kind: "token", ...(await verifier.verify(bearer)) };
  }
  throw new Problem(
    "unauthenticated",
    "send an API key in X-API-Key or a JWT in Authorization: Bearer",
  );
}

/** The scope a credential's statements run in, at the level they need. */
export function credentialScope(credential: Credential, access: AccessLevel): Scope {
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
