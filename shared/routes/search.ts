import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import type { EmbeddingServices } from "../embedding/services.ts";
import { relayJson } from "../http/relay-json.ts";
import { validationHook } from "../http/validation.ts";
import { searchMode, searchSchemas } from "../schemas/search.ts";
import { EMBEDDING_ERRORS, jsonRequestBody, jsonResponse } from "./openapi.ts";
import { queryEmbedding } from "./query-embedding.ts";
import { tenantRoute } from "./tenant-route.ts";

/** API §5: hybrid, vector and keyword retrieval over the caller's chunks. */
export function searchRoutes(config: Config, embedding: EmbeddingServices | null) {
  const s = searchSchemas(config);
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
        "chunks pass it, and says `exhausted: true` when fewer exist. Without `embedding`, a " +
        "server with an embedding provider embeds the query itself.",
      request: { body: jsonRequestBody(s.Search) },
      responses: { 200: jsonResponse(s.Results, "Results, best first"), ...EMBEDDING_ERRORS },
    }),
    async (c) => {
      const search = c.req.valid("json");
      let mode = searchMode(search, embedding !== null);
      const made = mode === "keyword" || search.embedding !== undefined
        ? null
        : await queryEmbedding(c, embedding!, search.query!, search.fallback);
      if (made === "fallback") mode = "keyword";
      const vector = search.embedding ?? (made && made !== "fallback" ? made.literal : null);
      // The results travel as the database wrote them (see relayJson); `exhausted` is judged
      // there too, from their number.
      const answer = await c.var.tenant.call<string>(
        "(select json_build_object('results', r, 'exhausted', json_array_length(r) < $3)::text " +
          "from pgrag.search_json($1, $2::text::vector, $3, $4::text::jsonb, $5, $6, $7, $8, $9, " +
          "$10, $11::text::boolean) r)",
        [
          mode === "vector" ? null : search.query ?? null,
          mode === "keyword" ? null : vector,
          search.top_k,
          search.filter ? JSON.stringify(search.filter) : null,
          mode,
          search.full_text_weight,
          search.semantic_weight,
          search.rrf_k,
          search.min_similarity ?? null,
          search.ef_search,
          String(search.include_embedding),
        ],
        { before: made && made !== "fallback" ? made.before : [] },
      );
      return relayJson(c, answer, {
        extra: {
          mode,
          embedding_source: mode === "keyword"
            ? null
            : search.embedding !== undefined
            ? "request"
            : "provider",
        },
      });
    },
  );

  return app;
}
