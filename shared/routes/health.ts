import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { withTimeout } from "../db/errors.ts";
import type { AppEnv } from "../app-env.ts";
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
  db: z.enum(["ok", "error"]),
  version: z.string(),
  /** Null when the database could not be opened at all. */
  load: LoadSchema.nullable(),
}).openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Liveness, database reachability and load",
  description: "Pings the database on every call, on a connection kept for it, so it answers " +
    "under load, reports a database outage within seconds and recovery as soon as the " +
    "database answers again. `busy`: every connection is in use and requests wait. No auth.",
  responses: {
    200: {
      description: "The service and its database answer (`busy` when requests wait)",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "The database does not answer",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

export function healthRoutes(options: { timeoutMs: number }) {
  return new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
    let reachable = true;
    try {
      await withTimeout(c.var.db.ping(), options.timeoutMs, "database ping");
    } catch {
      reachable = false;
    }
    const now = await c.var.db.load().catch(() => null);
    const load = now && {
      capacity: now.capacity,
      active: now.active,
      waiting: now.waiting,
      queue_limit: now.queueLimit,
      refused: now.refused,
    };
    if (!reachable) {
      c.header("Retry-After", "5");
      return c.json(
        { status: "degraded" as const, db: "error" as const, version: VERSION, load },
        503,
      );
    }
    const status = now && now.waiting > 0 ? "busy" as const : "ok" as const;
    return c.json({ status, db: "ok" as const, version: VERSION, load }, 200);
  });
}
