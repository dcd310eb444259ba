import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import type { EmbeddingServices } from "../embedding/services.ts";
import { validationHook } from "../http/validation.ts";
import { graphSchemas } from "../schemas/graph.ts";
import { EMBEDDING_ERRORS, jsonRequestBody, jsonResponse } from "./openapi.ts";
import { queryEmbedding } from "./query-embedding.ts";
import { tenantRoute } from "./tenant-route.ts";

/**
 * API §5: nearest entities and relations by embedding (LightRAG's entity/relation vectors), sent
 * or made from a query by the server's provider.
 */
export function graphSearchRoutes(config: Config, embedding: EmbeddingServices | null) {
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
        responses: { 200: jsonResponse(Results, "Results, best first"), ...EMBEDDING_ERRORS },
      }),
      async (c) => {
        const body = c.req.valid("json");
        // The schema admits a query without embedding only where a provider is configured.
        const made = body.embedding === undefined
          ? await queryEmbedding(c, embedding!, body.query!, undefined)
          : null;
        if (made === "fallback") throw new Error("graph search has no keyword fallback");
        const results = await c.var.tenant.call<unknown[]>(
          `pgrag.search_${kind}($1::text::vector, $2, $3)`,
          [body.embedding ?? made!.literal, body.top_k, body.min_similarity ?? null],
          { before: made?.before ?? [] },
        );
        return c.json({ results } as z.infer<R>, 200);
      },
    );

  addSearchRoute("entities", s.EntityResults);
  addSearchRoute("relations", s.RelationResults);
  return app;
}
