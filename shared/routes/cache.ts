import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { Problem } from "../http/problem.ts";
import { callTenantFunction } from "../http/tenant.ts";
import { validationHook } from "../http/validation.ts";
import { cacheSchemas } from "../schemas/cache.ts";
import { API_KEY_SECURITY, jsonBody, jsonContent, NOT_FOUND, TENANT_ERRORS } from "./openapi.ts";

const tags = ["cache"];
const security = API_KEY_SECURITY;

/** API §7: the LLM response cache, always scoped to the caller's tenant. */
export function cacheRoutes(config: Config) {
  const s = cacheSchemas(config);
  type Entry = z.infer<typeof s.Entry>;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "put",
      path: "/cache/{key}",
      tags,
      security,
      summary: "Store or replace a cached response",
      request: { params: s.KeyParam, body: jsonBody(s.PutEntry) },
      responses: { 200: jsonContent(s.Entry, "The stored entry"), ...TENANT_ERRORS },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const entry = c.req.valid("json");
      const stored = await callTenantFunction<Entry>(
        c,
        "writer",
        "pgrag.put_cache_entry($1, $2, $3, $4, $5, $6::text::jsonb)",
        [
          key,
          entry.cache_type,
          entry.prompt,
          entry.response,
          entry.chunk_id ?? null,
          entry.params ? JSON.stringify(entry.params) : null,
        ],
        { idempotent: true },
      );
      return c.json(stored, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/cache/{key}",
      tags,
      security,
      summary: "Read a cached response (counts a hit)",
      request: { params: s.KeyParam },
      responses: { 200: jsonContent(s.Entry, "The entry"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const entry = await callTenantFunction<Entry | null>(
        c,
        "reader",
        "pgrag.read_cache_entry($1)",
        [key],
      );
      if (!entry) throw new Problem("not_found", `no cache entry under ${key}`);
      return c.json(entry, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/cache/delete",
      tags,
      security,
      summary: "Delete cached responses by keys and/or cache_type",
      request: { body: jsonBody(s.Delete) },
      responses: {
        200: jsonContent(z.object({ deleted: z.number().int() }), "How many were deleted"),
        ...TENANT_ERRORS,
      },
    }),
    async (c) => {
      const { keys, cache_type } = c.req.valid("json");
      const deleted = await callTenantFunction<number>(
        c,
        "writer",
        "pgrag.delete_cache_entries($1::text::json, $2)",
        [keys ? JSON.stringify(keys) : null, cache_type ?? null],
      );
      return c.json({ deleted }, 200);
    },
  );

  return app;
}
