import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { AccessLevel } from "../db/database.ts";
import { type AuditAction, RequestAudit } from "./audit.ts";
import { readCredential } from "./credentials.ts";
import { type TenantCalls, tenantCalls } from "./tenant-call.ts";

/** What a tenant route needs, declared once on the route (see shared/routes/tenant-route.ts). */
export interface TenantAccess {
  /** The least credential level that may call it: reader < writer < admin. */
  access: AccessLevel;
  /** The action its audit row records, or false for a route that only reads. */
  audit: AuditAction | false;
  /** Refuse with 402 `budget_exceeded` while the tenant's enforced monthly budget is spent. */
  enforceBudget: boolean;
  /** The route's path in Hono's form (`/documents/:id`). */
  resource: string;
  /** What the route answers when it succeeds. */
  successStatus: number;
}

export interface TenantEnv {
  Variables: AppEnv["Variables"] & { tenant: TenantCalls };
}

/**
 * The middleware of one tenant route: reads the request's credential (401 without one), opens
 * the route's audit row when it is audited, and hands the handler `c.var.tenant`, whose calls
 * run at the declared level with the audit row in their own statement. It runs before the
 * route's validators, and reads a body only for a credential known to be good (an API key is
 * asked of the database first, see verified-keys.ts), so a request without good credentials
 * has its body neither read nor validated and learns nothing about it. A request without a body
 * is checked only when it is about to be refused for something else (the error funnel,
 * on-error.ts, calls `verifyCredential`), so that it too is answered 401 rather than told what
 * was wrong with its query, at no cost to the requests that pass.
 */
export function tenantAccess(route: TenantAccess): MiddlewareHandler<TenantEnv> {
  return async function tenantAccess(c, next) {
    const started = performance.now();
    const credential = await readCredential(c, c.var.tokenVerifier);
    const audit = route.audit
      ? new RequestAudit(c, { ...route, action: route.audit }, credential, started)
      : null;
    if (audit) c.set("audit", audit);
    // Once any call of the route has run, the database has authenticated the credential.
    let authenticated = false;
    c.set("tenant", tenantCalls(c.var.db, credential, route, audit, () => authenticated = true));
    const verifyCredential = async () => {
      if (authenticated) return;
      await c.var.verifiedKeys.verify(c.var.db, credential, route.access);
      authenticated = true;
    };
    c.set("verifyCredential", verifyCredential);
    if (c.var.body) {
      await verifyCredential();
      await c.var.body.read();
    }
    await next();
  };
}
