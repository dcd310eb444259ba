import { cors } from "hono/cors";

/** Headers a browser script on another origin may read from pgrag's answers. */
const EXPOSED_HEADERS = ["X-Request-Id", "Server-Timing", "Retry-After"];

/**
 * CORS for PGRAG_CORS_ORIGINS: `*` anywhere in the list allows every origin (hono's middleware
 * compares list entries literally, so `["*"]` would allow none); otherwise only the listed
 * origins, each answered with itself and `Vary: Origin`. Credentials travel in headers
 * (X-API-Key, Authorization), never cookies, so no `Allow-Credentials` is sent.
 */
export function corsFor(origins: string[]) {
  return cors({
    origin: origins.includes("*") ? "*" : origins,
    allowHeaders: ["Content-Type", "X-API-Key", "Authorization", "X-Request-Id"],
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
