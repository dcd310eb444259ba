import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { decodeCursor, encodeCursor, type PageKey } from "../http/cursor.ts";
import { Problem } from "../http/problem.ts";
import { validationHook } from "../http/validation.ts";
import { governanceSchemas } from "../schemas/governance.ts";
import { jsonResponse } from "./openapi.ts";
import { tenantRoute } from "./tenant-route.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Cursors name the order they were made for; the audit log has one.
const ORDER = "audit_newest_first";

/** API §8: the tenant's audit log, newest first, for admin credentials. */
export function auditRoutes(config: Config) {
  const s = governanceSchemas(config);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "admin",
      audit: false,
      method: "get",
      path: "/audit",
      operationId: "listAuditEvents",
      tags: ["usage"],
      summary: "The audit log: one row per write and per search (admin)",
      request: { query: s.AuditQuery },
      responses: { 200: jsonResponse(s.AuditPage, "One page, newest first") },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const after = query.cursor ? decodeCursor(ORDER, query.cursor) : null;
      // The log is ordered by time: a cursor without one would restart from the newest row.
      if (after && (after.value === null || !UUID.test(after.id))) {
        throw new Problem("validation_failed", "the cursor is not valid for this listing", {
          errors: [{
            path: "cursor",
            message: "pass next_cursor from the previous page unchanged",
          }],
        });
      }
      const page = await c.var.tenant.call<
        { items: z.infer<typeof s.AuditEntry>[]; last: { created_at: string; id: string } | null }
      >(
        // Times cross as text: a driver would otherwise turn them into Dates (milliseconds),
        // and a cursor's microseconds matter.
        "pgrag.audit_page($1, $2::text::timestamptz, $3::text::timestamptz, $4, " +
          "$5::text::timestamptz, $6::text::uuid)",
        [
          query.action ?? null,
          query.from ?? null,
          query.to ?? null,
          query.limit,
          after?.value ?? null,
          after?.id ?? null,
        ],
      );
      const last: PageKey | null = page.last && page.items.length === query.limit
        ? { value: page.last.created_at, id: page.last.id }
        : null;
      return c.json({ items: page.items, next_cursor: last && encodeCursor(ORDER, last) }, 200);
    },
  );

  return app;
}
