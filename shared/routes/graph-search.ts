import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { graphSchemas } from "../schemas/graph.ts";
import { jsonRequestBody, jsonResponse } from "./openapi.ts";
import { tenantRoute } from "./tenant-route.ts";

/** API §5: nearest entities and relations by embedding (LightRAG's entity/relation vectors). */
export function graphSearchRoutes(config: Config) {
  const s = graphSchemas(config);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  /** `POST /<kind>/search`, answered by the SQL function `pgrag.search_<kind>`. */
  const addSearchRoute = <R extends z.ZodType<{ results: unknown[] }>>(
    kind: "entities" | "relations",
    Results: R,
  ) =>
    app.openapi(
      tenantRoute({
        access: "reader",
        audit: "search",
        method: "post",
        path: `/${kind}/search`,
        operationId: kind === "entities" ? "searchEntities" : "searchRelations",
        tags: ["search"],
        summary: `The ${kind} nearest to an embedding (cosine similarity)`,
        request: { body: jsonRequestBody(s.GraphSearch) },
        responses: { 200: jsonResponse(Results, "Results, best first") },
      }),
      async (c) => {
        const { embedding, top_k, min_similarity } = c.req.valid("json");
        const results = await c.var.tenant.call<unknown[]>(
          `pgrag.search_${kind}($1::text::vector, $2, $3)`,
          [embedding, top_k, min_similarity ?? null],
        );
        return c.json({ results } as z.infer<R>, 200);
      },
    );

  addSearchRoute("entities", s.EntityResults);
  addSearchRoute("relations", s.RelationResults);
  return app;
}
