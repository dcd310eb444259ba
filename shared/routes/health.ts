import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { withTimeout } from "../db/errors.ts";
import type { AppEnv } from "../app-env.ts";
import { SCHEMA_NOT_READY_DETAIL } from "../http/sqlstate.ts";
import { VERSION } from "../version.ts";

const HealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  db: z.enum(["ok", "error", "schema_not_ready"]),
  version: z.string(),
  detail: z.string().optional().openapi({ description: "What to do about a degraded database" }),
}).openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Liveness, database reachability and schema",
  description: "Pings the database on every call, so it reports a database outage within " +
    "seconds and recovery as soon as the database answers again; the same round trip checks " +
    "that pgrag's schema is there. No auth.",
  responses: {
    200: {
      description: "The service and its database answer",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "The database does not answer (`db: error`), or answers without pgrag's " +
        "schema (`db: schema_not_ready`: run `deno task db:migrate`)",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

export function healthRoutes(options: { timeoutMs: number }) {
  return new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
    const degraded = { status: "degraded" as const, version: VERSION };
    let migrated: boolean;
    try {
      ({ migrated } = await withTimeout(c.var.db.ping(), options.timeoutMs, "database ping"));
    } catch {
      c.header("Retry-After", "5");
      return c.json({ ...degraded, db: "error" as const }, 503);
    }
    if (!migrated) {
      return c.json(
        { ...degraded, db: "schema_not_ready" as const, detail: SCHEMA_NOT_READY_DETAIL },
        503,
      );
    }
    return c.json({ status: "ok" as const, db: "ok" as const, version: VERSION }, 200);
  });
}
