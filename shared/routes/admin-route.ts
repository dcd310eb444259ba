import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { requireAdminKey } from "../http/admin.ts";
import { BODY_ERRORS, CREDENTIALED_ERRORS, problemResponse } from "./openapi.ts";

/** The admin routes' security scheme, registered as `AdminKey` in the OpenAPI document. */
export const ADMIN_KEY_SCHEME = {
  type: "http",
  scheme: "bearer",
  description: "The operator's PGRAG_ADMIN_KEY; never a tenant's API key or JWT.",
} as const;

/** The errors of admin routes: the credentialed ones, and an admin API that is closed. */
export const ADMIN_ERRORS = {
  ...CREDENTIALED_ERRORS,
  403: problemResponse("`forbidden`: the admin API is disabled, PGRAG_ADMIN_KEY is not set"),
} as const;

export const ADMIN_NOT_FOUND = { 404: problemResponse("No such tenant or API key") } as const;

export const IdParam = z.object({ id: z.string().uuid() });

/**
 * Returns the definer of admin routes: each takes `Authorization: Bearer <PGRAG_ADMIN_KEY>`
 * through its own middleware, and declares that requirement and its errors in the OpenAPI
 * document, so no path list has to be kept in step with the routes.
 */
export function adminRouteDefiner(adminKey: string | undefined) {
  const middleware = requireAdminKey(adminKey);
  return function adminRoute<
    P extends string,
    R extends Omit<RouteConfig, "path" | "security" | "middleware" | "tags"> & { path: P },
  >(route: R) {
    return createRoute({
      ...route,
      tags: ["admin"],
      responses: {
        ...ADMIN_ERRORS,
        ...(route.request?.body ? BODY_ERRORS : {}),
        ...route.responses,
      },
      security: [{ AdminKey: [] }],
      middleware,
    });
  };
}
