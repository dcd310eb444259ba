import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from "jose";
import type { JwtConfig } from "../config.ts";
import { Problem } from "../http/problem.ts";

export const TOKEN_ROLES = ["reader", "writer", "admin"] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** What a verified bearer token says about its caller. */
export interface TokenClaims {
  /** Canonical lowercase UUID. */
  tenantId: string;
  role: TokenRole;
  subject: string | null;
}

export interface TokenVerifier {
  /** Resolves with the claims, or throws a Problem: `unauthenticated`, or `unavailable` (JWKS). */
  verify(token: string): Promise<TokenClaims>;
}

// Each key source accepts exactly these, so a token cannot pick how it is checked: an HS256
// token is never tried against a public key (whose bytes anyone could use as an HMAC secret).
const SECRET_ALGORITHMS = ["HS256"];
const JWKS_ALGORITHMS = ["ES256", "RS256"];
const CLOCK_TOLERANCE_SECONDS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Null when neither a secret nor a JWKS URL is configured: JWTs are then not accepted at all. */
export function createTokenVerifier(config: JwtConfig): TokenVerifier | null {
  if (!config.secret && !config.jwksUrl) return null;
  const secret = config.secret ? new TextEncoder().encode(config.secret) : undefined;
  const jwks = config.jwksUrl ? remoteKeySet(config.jwksUrl, config.jwksTimeoutMs) : undefined;
  const checks = {
    requiredClaims: ["exp"],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    issuer: config.issuer,
    audience: config.audience,
  };

  return {
    async verify(token) {
      const alg = headerAlgorithm(token);
      try {
        if (secret && SECRET_ALGORITHMS.includes(alg)) {
          return claimsOf(
            (await jwtVerify(token, secret, { ...checks, algorithms: SECRET_ALGORITHMS })).payload,
          );
        }
        if (jwks && JWKS_ALGORITHMS.includes(alg)) {
          return claimsOf(
            (await jwtVerify(token, jwks, { ...checks, algorithms: JWKS_ALGORITHMS })).payload,
          );
        }
      } catch (error) {
        throw error instanceof errors.JOSEError ? unauthenticated(reasonFor(error)) : error;
      }
      const accepted = [...(secret ? SECRET_ALGORITHMS : []), ...(jwks ? JWKS_ALGORITHMS : [])];
      throw unauthenticated(`the token must be signed with ${accepted.join(" or ")}`);
    },
  };
}

function headerAlgorithm(token: string): string {
  try {
    const { alg } = decodeProtectedHeader(token);
    if (typeof alg === "string") return alg;
  } catch {
    // Falls through to the same answer as a header without `alg`.
  }
  throw unauthenticated("the bearer token is not a JWT");
}

// One key set per URL for the module: whatever builds verifiers (each app, each test), an
// isolate fetches the keys once and shares them, with jose's cache and refetch rules.
const keySets = new Map<string, JWTVerifyGetKey>();

function remoteKeySet(url: string, timeoutMs: number): JWTVerifyGetKey {
  const cacheKey = `${timeoutMs} ${url}`;
  let keySet = keySets.get(cacheKey);
  if (!keySet) {
    const remote = createRemoteJWKSet(new URL(url), {
      timeoutDuration: timeoutMs,
      // A `kid` not in the set refetches it (a key was just rotated in), at most every 30 s.
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
    keySet = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (!isKeySetUnreachable(error)) throw error;
        // Fails closed, but says the token may be fine so the client retries instead of
        // asking its user to sign in again.
        throw new Problem("unavailable", "the signing keys could not be fetched; try again", {
          retryAfterSeconds: 5,
        });
      }
    };
    keySets.set(cacheKey, keySet);
  }
  return keySet;
}

/**
 * jose reports a failed fetch as: fetch's own TypeError (connection refused, DNS), JWKSTimeout,
 * a bare JOSEError (status other than 200, body not JSON) or JWKSInvalid (not a key set).
 * Its other errors (no key with this `kid`, several candidates) are the token's doing.
 */
function isKeySetUnreachable(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid ||
    error.code === errors.JOSEError.code;
}

/** A short reason for the client; jose's own messages and claim values stay out of it. */
function reasonFor(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return "the token is not valid yet";
    if (error.reason === "missing") return `the token has no "${error.claim}" claim`;
    return `the token's "${error.claim}" claim is not accepted`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "the token's signature does not verify";
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "no signing key matches the token's kid";
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return "the token must name its signing key in kid";
  }
  return "the bearer token is not a valid JWT";
}

function claimsOf(payload: JWTPayload): TokenClaims {
  // `app_metadata` is where Supabase keeps what only the server may set (unlike
  // `user_metadata`, which users edit themselves), so it wins over the top level.
  const appMetadata = isRecord(payload.app_metadata) ? payload.app_metadata : {};
  const tenantId = appMetadata.tenant_id ?? payload.tenant_id;
  if (typeof tenantId !== "string" || !UUID.test(tenantId)) {
    throw unauthenticated("the token's tenant_id claim must be a UUID");
  }
  const role = appMetadata.pgrag_role ?? payload.pgrag_role ?? "reader";
  if (!TOKEN_ROLES.includes(role as TokenRole)) {
    throw unauthenticated(`the token's pgrag_role must be one of ${TOKEN_ROLES.join(", ")}`);
  }
  const subject = typeof payload.sub === "string" ? payload.sub : null;
  // The subject is the actor of audit rows and cost records (`user:<sub>`, 300 characters at
  // most, no NUL in PostgreSQL text): one they can't hold would fail every audited request.
  if (subject !== null && (subject.length > MAX_SUBJECT_LENGTH || subject.includes("\u0000"))) {
    throw unauthenticated(
      `the token's sub claim must be at most ${MAX_SUBJECT_LENGTH} characters, without NUL`,
    );
  }
  return { tenantId: tenantId.toLowerCase(), role: role as TokenRole, subject };
}

/** 300, the length of an actor, less `user:`. */
const MAX_SUBJECT_LENGTH = 295;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unauthenticated(reason: string): Problem {
  return new Problem("unauthenticated", reason);
}
