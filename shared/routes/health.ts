import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { withTimeout } from "../db/errors.ts";
import type { AppEnv } from "../app-env.ts";
import { SCHEMA_NOT_READY_DETAIL } from "../http/sqlstate.ts";
import { VERSION } from "../version.ts";

const LoadSchema = z.object({
  capacity: z.number().int().openapi({ description: "Connections requests may hold at once" }),
  active: z.number().int().openapi({ description: "Requests holding one now" }),
  waiting: z.number().int().openapi({ description: "Requests waiting for one now" }),
  queue_limit: z.number().int().openapi({ description: "Requests that may wait; more get 503" }),
  refused: z.number().int().openapi({ description: "Requests refused with 503 since start" }),
}).openapi("Load");

const HealthSchema = z.object({
  status: z.enum(["ok", "busy", "degraded"]),
  db: z.enum(["ok", "error", "schema_not_ready"]),
  version: z.string(),
  detail: z.string().optional().openapi({ description: "What to do about a degraded database" }),
  /** Null when the database could not be opened at all. */
  load: LoadSchema.nullable(),
}).openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  security: [],
  operationId: "getHealth",
  tags: ["service"],
  summary: "Liveness, database reachability, schema and load",
  description: "Pings the database on every call, on a connection kept for it, so it answers " +
    "under load, reports a database outage within seconds and recovery as soon as the " +
    "database answers again; the same round trip checks that pgrag's schema is there. " +
    "`busy`: every connection is in use and requests wait. No auth.",
  responses: {
    200: {
      description: "The service and its database answer (`busy` when requests wait)",
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
    let migrated: boolean | undefined;
    try {
      ({ migrated } = await withTimeout(c.var.db.ping(), options.timeoutMs, "database ping"));
    } catch {
      migrated = undefined;
    }
    const now = await c.var.db.load().catch(() => null);
    const load = now && {
      capacity: now.capacity,
      active: now.active,
      waiting: now.waiting,
      queue_limit: now.queueLimit,
      refused: now.refused,
    };
    const degraded = { status: "degraded" as const, version: VERSION, load };
    if (migrated === undefined) {
      c.header("Retry-After", "5");
      return c.json({ ...degraded, db: "error" as const }, 503);
    }
    if (!migrated) {
      return c.json(
        { ...degraded, db: "schema_not_ready" as const, detail: SCHEMA_NOT_READY_DETAIL },
        503,
      );
    }
    const status = now && now.waiting > 0 ? "busy" as const : "ok" as const;
    return c.json({ status, db: "ok" as const, version: VERSION, load }, 200);
  });
}
