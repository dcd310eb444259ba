import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { type TenantAccess, tenantAccess } from "../http/tenant-access.ts";
import { BODY_ERRORS, BUDGET_ERRORS, TENANT_ERRORS } from "./openapi.ts";

/** Tenant routes take the tenant's API key or a JWT. */
const TENANT_SECURITY: Record<string, string[]>[] = [{ ApiKey: [] }, { Jwt: [] }];

/** What a tenant route declares besides its OpenAPI operation. */
export type TenantRouteDeclaration =
  & Pick<TenantAccess, "access" | "audit">
  & Partial<Pick<TenantAccess, "enforceBudget">>;

/**
 * Defines a tenant route: its access level and audit action (both required) sit on the
 * definition, which turns them into the route's middleware (credentials, level, audit row; the
 * handler gets `c.var.tenant`), its security requirement and error responses in the OpenAPI
 * document, and the `x-pgrag-access` and `x-pgrag-audit` extensions that tell clients the same.
 */
export function tenantRoute<
  P extends string,
  R extends Omit<RouteConfig, "path" | "security" | "middleware"> & { path: P },
>(declaration: R & TenantRouteDeclaration) {
  const { access, audit, enforceBudget = false, ...route } = declaration;
  const successStatus = Number(
    Object.keys(route.responses).find((status) => /^2\d\d$/.test(status)),
  );
  if (!successStatus) throw new Error(`${route.method} ${route.path}: no success response`);
  return createRoute({
    ...(route as unknown as R),
    responses: {
      ...TENANT_ERRORS,
      ...(route.request?.body ? BODY_ERRORS : {}),
      ...(enforceBudget ? BUDGET_ERRORS : {}),
      ...route.responses,
    },
    security: TENANT_SECURITY,
    "x-pgrag-access": access,
    "x-pgrag-audit": audit,
    middleware: tenantAccess({
      access,
      audit,
      enforceBudget,
      resource: route.path.replaceAll(/\{(\w+)\}/g, ":$1"),
      successStatus,
    }),
  });
}
