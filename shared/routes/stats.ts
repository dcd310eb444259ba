import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { governanceSchemas } from "../schemas/governance.ts";
import { jsonResponse } from "./openapi.ts";
import { tenantRoute } from "./tenant-route.ts";

/** API §8: the tenant's row of tenant_statistics, refreshed in the background. */
export function statsRoutes(config: Config) {
  const s = governanceSchemas(config);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/stats",
      operationId: "getStats",
      tags: ["usage"],
      summary: "This tenant's statistics as of the last refresh",
      description: "Refreshed every few minutes by pg_cron, the embedded scheduler or " +
        "`POST /admin/refresh-statistics`; `refreshed_at` says when.",
      responses: { 200: jsonResponse(s.Statistics, "The tenant's row") },
    }),
    async (c) => {
      const stats = await c.var.tenant.call<z.infer<typeof s.Statistics>>(
        "pgrag.tenant_statistics_json()",
      );
      return c.json(stats, 200);
    },
  );

  return app;
}
