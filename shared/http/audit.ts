import { isIP } from "node:net";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { logError } from "../log.ts";
import { actorOf, tenantScope } from "./tenant.ts";

/** POST routes that only read (batch gets, missing-id checks) are not audited. */
const READ_ONLY_POST = /\/(get|missing)$/;

/**
 * Appends one audit row for every write and every search of a tenant route, after the route has
 * answered: who (the API key or the token's subject), what (action, route, path parameter),
 * outcome (status, the problem's detail), how long, and request details without any document
 * text. A refused request is recorded too, in its own transaction since the route's rolled back.
 * Requests that never reached a tenant (bad or revoked credentials, a suspended tenant) cannot be
 * attributed and are not recorded. A failed audit write is logged, never turned into an error:
 * the route's own write has already committed.
 */
export function auditTenantActions(basePath: string): MiddlewareHandler<AppEnv> {
  return async function auditTenantActions(c, next) {
    const started = performance.now();
    await next();
    const route = c.req.routePath.slice(basePath.length) || "/";
    const action = auditedAction(c.req.method, route);
    if (!action || !c.var.credential) return;
    const problem = c.res.status >= 400 ? await problemOf(c.res) : null;
    if (c.res.status === 401 || problem?.code === "tenant_suspended") return;
    try {
      await c.var.db.run(tenantScope(c, "reader"), [{
        text: "select pgrag.record_audit($1, $2, $3, $4, $5::text::boolean, $6, $7, " +
          "$8::text::json, $9, $10)",
        params: [
          actorOf(c.var.credential),
          action,
          route,
          pathParameter(c),
          String(c.res.status < 400),
          problem?.detail ?? null,
          Math.round(performance.now() - started),
          JSON.stringify(await requestDetails(c, route, problem?.code)),
          clientAddress(c),
          c.req.header("user-agent") ?? null,
        ],
      }]);
    } catch (error) {
      logError("audit_failed", {
        request_id: c.var.requestId,
        route,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  };
}

/** search, delete, update, record or upsert; null for requests that are not audited. */
export function auditedAction(method: string, route: string): string | null {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return null;
  if (route.endsWith("search")) return "search";
  if (method === "POST" && READ_ONLY_POST.test(route)) return null;
  if (method === "DELETE" || route.endsWith("/delete")) return "delete";
  if (method === "PATCH" || method === "PUT") return "update";
  if (route === "/usage") return "record";
  return "upsert";
}

function pathParameter(c: Context<AppEnv>): string | null {
  const values = Object.values(c.req.param() as Record<string, string>);
  return values.length > 0 ? values.join("/") : null;
}

/** The request's shape, never its text: how many items each batch field held, search knobs. */
async function requestDetails(c: Context<AppEnv>, route: string, problemCode?: string) {
  const details: Record<string, unknown> = {
    method: c.req.method,
    route,
    status: c.res.status,
    request_id: c.var.requestId,
  };
  if (problemCode) details.problem = problemCode;
  const body = await c.req.json().catch(() => null);
  if (body && typeof body === "object" && !Array.isArray(body)) {
    for (const [field, value] of Object.entries(body)) {
      if (Array.isArray(value)) details[`${field}_count`] = value.length;
      else if (["top_k", "mode", "group_by"].includes(field)) details[field] = value;
    }
  }
  return details;
}

async function problemOf(response: Response): Promise<{ code?: string; detail?: string } | null> {
  try {
    return await response.clone().json();
  } catch {
    return null;
  }
}

/** The first address of X-Forwarded-For (what Supabase's and most proxies' edge sets). */
function clientAddress(c: Context<AppEnv>): string | null {
  const first = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  return first && isIP(first) ? first : null;
}
