import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { searchSchemas } from "../schemas/search.ts";
import { jsonRequestBody, jsonResponse } from "./openapi.ts";
import { tenantRoute } from "./tenant-route.ts";

/** API §5: hybrid, vector and keyword retrieval over the caller's chunks. */
export function searchRoutes(config: Config) {
  const s = searchSchemas(config);
  type Result = z.infer<typeof s.Results>["results"][number];
  // Embeddings above 2000 dimensions are stored as halfvec; the query is cast alike in SQL.
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: "search",
      enforceBudget: true,
      method: "post",
      path: "/search",
      operationId: "searchChunks",
      tags: ["search"],
      summary: "Hybrid (BM25 + vector, reciprocal rank fusion), vector or keyword search",
      description: "Every filter is exact: a query returns `top_k` results whenever that many " +
        "chunks pass it, and says `exhausted: true` when fewer exist.",
      request: { body: jsonRequestBody(s.Search) },
      responses: { 200: jsonResponse(s.Results, "Results, best first") },
    }),
    async (c) => {
      const search = c.req.valid("json");
      const results = await c.var.tenant.call<Result[]>(
        "pgrag.search_json($1, $2::text::vector, $3, $4::text::jsonb, $5, $6, $7, $8, $9, $10, " +
          "$11::text::boolean)",
        [
          search.query ?? null,
          search.embedding ?? null,
          search.top_k,
          search.filter ? JSON.stringify(search.filter) : null,
          search.mode ?? null,
          search.full_text_weight,
          search.semantic_weight,
          search.rrf_k,
          search.min_similarity ?? null,
          search.ef_search,
          String(search.include_embedding),
        ],
      );
      return c.json({ results, exhausted: results.length < search.top_k }, 200);
    },
  );

  return app;
}
