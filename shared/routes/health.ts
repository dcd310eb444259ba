import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { withTimeout } from "../db/errors.ts";
import type { AppEnv } from "../app-env.ts";
import { VERSION } from "../version.ts";

const HealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  db: z.enum(["ok", "error"]),
  version: z.string(),
}).openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Liveness and database reachability",
  description: "Pings the database on every call, so it reports a database outage within " +
    "seconds and recovery as soon as the database answers again. No auth.",
  responses: {
    200: {
      description: "The service and its database answer",
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
    try {
      await withTimeout(c.var.db.ping(), options.timeoutMs, "database ping");
      return c.json({ status: "ok" as const, db: "ok" as const, version: VERSION }, 200);
    } catch {
      c.header("Retry-After", "5");
      return c.json({ status: "degraded" as const, db: "error" as const, version: VERSION }, 503);
    }
  });
}
