import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { runMaintenance } from "../maintenance.ts";
import { validationHook } from "../http/validation.ts";
import { ADMIN_ROUTE } from "./admin-tenants.ts";
import { jsonResponse, TENANT_ERRORS } from "./openapi.ts";

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
export function adminMaintenanceRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/refresh-statistics",
      ...ADMIN_ROUTE,
      summary: "Refresh tenant_statistics now (and create the coming months' partitions)",
      responses: { 200: jsonResponse(Refreshed, "Refreshed"), ...TENANT_ERRORS },
    }),
    async (c) => c.json(await runMaintenance(c.var.db, { role: "admin" }), 200),
  );
  return app;
}
