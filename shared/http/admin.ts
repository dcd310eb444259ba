import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { sha256 } from "../auth/api-keys.ts";
import { Problem } from "./problem.ts";

/**
 * Admin routes take `Authorization: Bearer <PGRAG_ADMIN_KEY>` and nothing else. Both sides are
 * hashed before a constant-time comparison, so neither the key's length nor its prefix leaks
 * through timing. Without a configured key the admin API is closed.
 */
export function requireAdminKey(adminKey: string | undefined): MiddlewareHandler<AppEnv> {
  const expected = adminKey ? sha256(adminKey) : undefined;
  return async function requireAdminKey(c, next) {
    if (!expected) {
      throw new Problem("forbidden", "the admin API is disabled: set PGRAG_ADMIN_KEY to enable it");
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer (.+)$/.exec(header);
    if (!match) {
      throw new Problem("unauthenticated", "send Authorization: Bearer <PGRAG_ADMIN_KEY>");
    }
    if (!timingSafeEqual(await sha256(match[1]), await expected)) {
      throw new Problem("unauthenticated", "the admin key is not valid");
    }
    // Only now that the key matched is the body read (see json-body-parser.ts).
    await c.var.body?.read();
    await next();
  };
}
