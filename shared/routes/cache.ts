import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { cacheSchemas } from "../schemas/cache.ts";
import { jsonRequestBody, jsonResponse, NOT_FOUND } from "./openapi.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["cache"];

/** API §7: the LLM response cache, always scoped to the caller's tenant. */
export function cacheRoutes(config: Config) {
  const s = cacheSchemas(config);
  type Entry = z.infer<typeof s.Entry>;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "update",
      method: "put",
      path: "/cache/{key}",
      operationId: "putCacheEntry",
      tags,
      summary: "Store or replace a cached response",
      request: { params: s.KeyParam, body: jsonRequestBody(s.PutEntry) },
      responses: { 200: jsonResponse(s.Entry, "The stored entry") },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const entry = c.req.valid("json");
      const stored = await c.var.tenant.call<Entry>(
        "pgrag.put_cache_entry($1, $2, $3, $4, $5, $6::text::jsonb)",
        [
          key,
          entry.cache_type,
          entry.prompt,
          entry.response,
          entry.chunk_id ?? null,
          entry.params ? JSON.stringify(entry.params) : null,
        ],
      );
      return c.json(stored, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/cache/{key}",
      operationId: "getCacheEntry",
      tags,
      summary: "Read a cached response (counts a hit)",
      request: { params: s.KeyParam },
      responses: { 200: jsonResponse(s.Entry, "The entry"), ...NOT_FOUND },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const entry = await c.var.tenant.call<Entry>("pgrag.read_cache_entry($1)", [key], {
        notFound: `no cache entry under ${key}`,
      });
      return c.json(entry, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/cache/delete",
      operationId: "deleteCacheEntries",
      tags,
      summary: "Delete cached responses by keys and/or cache_type",
      request: { body: jsonRequestBody(s.Delete) },
      responses: {
        200: jsonResponse(z.object({ deleted: z.number().int() }), "How many were deleted"),
      },
    }),
    async (c) => {
      const { keys, cache_type } = c.req.valid("json");
      const deleted = await c.var.tenant.call<number>(
        "pgrag.delete_cache_entries($1::text::json, $2)",
        [keys ? JSON.stringify(keys) : null, cache_type ?? null],
      );
      return c.json({ deleted }, 200);
    },
  );

  return app;
}
