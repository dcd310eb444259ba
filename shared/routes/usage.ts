import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { governanceSchemas } from "../schemas/governance.ts";
import { jsonRequestBody, jsonResponse } from "./openapi.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["usage"];

/** API §8: LLM spend reported by the client, tracked against the tenant's monthly budget. */
export function usageRoutes(config: Config) {
  const s = governanceSchemas(config);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "record",
      method: "post",
      path: "/usage",
      operationId: "recordUsage",
      tags,
      summary: "Record one LLM call's tokens and cost",
      description: "Always records, even over budget; the answer says where the month stands.",
      request: { body: jsonRequestBody(s.Usage) },
      responses: { 201: jsonResponse(s.RecordedUsage, "Recorded") },
    }),
    async (c) => {
      const usage = c.req.valid("json");
      const recorded = await c.var.tenant.call<z.infer<typeof s.RecordedUsage>>(
        "pgrag.record_usage($1, $2::text::json)",
        [c.var.tenant.actor, JSON.stringify(usage)],
      );
      return c.json(recorded, 201);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/usage/summary",
      operationId: "getUsageSummary",
      tags,
      summary: "Spend in a time range, grouped by model, day or operation",
      request: { query: s.SummaryQuery },
      responses: { 200: jsonResponse(s.UsageSummary, "One row per group") },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const items = await c.var.tenant.call<z.infer<typeof s.UsageSummary>["items"]>(
        // Times cross as text: a driver would otherwise turn them into Dates (milliseconds).
        "pgrag.usage_summary(coalesce($1::text::timestamptz, date_trunc('month', now(), 'UTC'))" +
          ", coalesce($2::text::timestamptz, now()), $3)",
        [query.from ?? null, query.to ?? null, query.group_by],
      );
      return c.json({ items }, 200);
    },
  );

  return app;
}
