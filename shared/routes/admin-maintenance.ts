import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { runMaintenance } from "../maintenance.ts";
import { validationHook } from "../http/validation.ts";
import { adminRouteDefiner } from "./admin-route.ts";
import { jsonResponse } from "./openapi.ts";

const Refreshed = z.object({
  refreshed_at: z.string(),
  duration_ms: z.number(),
  partitions_created: z.number().int().openapi({
    description: "Monthly audit and cost partitions created ahead by this call",
  }),
}).openapi("RefreshedStatistics");

/**
 * API §2: maintenance on demand, for platforms without pg_cron or whose compute sleeps between
 * requests (Neon): refreshes tenant_statistics and creates the coming months' partitions.
 */
export function adminMaintenanceRoutes(adminKey: string | undefined) {
  const adminRoute = adminRouteDefiner(adminKey);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    adminRoute({
      method: "post",
      path: "/admin/refresh-statistics",
      operationId: "refreshStatistics",
      summary: "Refresh tenant_statistics now (and create the coming months' partitions)",
      responses: { 200: jsonResponse(Refreshed, "Refreshed") },
    }),
    async (c) => c.json(await runMaintenance(c.var.db, { role: "admin" }), 200),
  );
  return app;
}
