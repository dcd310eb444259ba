import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { validationHook } from "../http/validation.ts";
import { adminApiKeyRoutes } from "./admin-api-keys.ts";
import { adminTenantRoutes } from "./admin-tenants.ts";

/** The admin routes' security scheme, registered as `AdminKey` in the OpenAPI document. */
export const ADMIN_KEY_SCHEME = { type: "http", scheme: "bearer" } as const;

/** API §2: the operator's side, onboarding tenants and managing their API keys. */
export function adminRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.route("/", adminTenantRoutes());
  app.route("/", adminApiKeyRoutes());
  return app;
}
