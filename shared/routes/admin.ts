import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Limits } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { adminApiKeyRoutes } from "./admin-api-keys.ts";
import { adminMaintenanceRoutes } from "./admin-maintenance.ts";
import { adminTenantRoutes } from "./admin-tenants.ts";

/**
 * API §2: the operator's side, onboarding tenants, managing their API keys and maintenance on
 * demand, behind `Authorization: Bearer <PGRAG_ADMIN_KEY>`; closed while it is unset.
 */
export function adminRoutes(adminKey: string | undefined, limits: Limits) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.route("/", adminTenantRoutes(adminKey, limits));
  app.route("/", adminApiKeyRoutes(adminKey));
  app.route("/", adminMaintenanceRoutes(adminKey));
  return app;
}
