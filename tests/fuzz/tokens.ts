import { SignJWT } from "jose";
import type { AccessLevel } from "../../shared/db/database.ts";

/** The HS256 secret the fuzzed app verifies tokens with. */
export const JWT_SECRET = "the-fuzz-suites-jwt-secret-0123456789abcdef";

const LEVELS: AccessLevel[] = ["reader", "writer", "admin"];

/**
 * Tokens the app must accept for the tenant, signed with its secret but with a `sub` that is
 * awkward to store: long, with NUL, from the astral planes, not a string. Each is a valid
 * credential; what it must not do is turn a request into a 5xx.
 */
const SUBJECTS: unknown[] = ["user-1", "x".repeat(10_000), "a\u0000b", "😀\u202e", 42, ""];

export async function awkwardTokens(tenantId: string): Promise<Record<AccessLevel, string[]>> {
  const secret = new TextEncoder().encode(JWT_SECRET);
  const sign = (role: AccessLevel, sub: unknown) =>
    new SignJWT({ sub, app_metadata: { tenant_id: tenantId, pgrag_role: role } } as never)
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(secret);
  const entries = await Promise.all(
    LEVELS.map(async (role) => [role, await Promise.all(SUBJECTS.map((s) => sign(role, s)))]),
  );
  return Object.fromEntries(entries);
}

/** Tokens nobody may pass with: wrong secret, no signature, not a JWT at all. */
export async function forgedTokens(tenantId: string): Promise<string[]> {
  const claims = { app_metadata: { tenant_id: tenantId, pgrag_role: "admin" } };
  const wrongSecret = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h").sign(new TextEncoder().encode("another-secret-".repeat(4)));
  const unsigned = [
    btoa(JSON.stringify({ alg: "none" })),
    btoa(JSON.stringify({ ...claims, exp: 9e9 })),
    "",
  ].join(".").replaceAll("=", "");
  return [wrongSecret, unsigned, "a.b.c", "....", "e30.e30.", "x".repeat(9_000)];
}
