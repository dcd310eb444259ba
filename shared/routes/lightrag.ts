import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { fieldSchemas } from "../schemas/fields.ts";
import { lightragSchemas } from "../schemas/lightrag.ts";
import { jsonRequestBody, jsonResponse } from "./openapi.ts";
import { nullableItem } from "../schemas/fields.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["lightrag"];
const Upserted = z.object({ upserted: z.number().int() });
const Deleted = z.object({ deleted: z.number().int() });
const Missing = z.object({ missing: z.array(z.string()) });

/**
 * API §10: LightRAG's key-value namespaces (`/kv/{namespace}/...`) and vector namespaces
 * (`/vectors/{namespace}/...`), each route one call of a LightRAG storage method.
 */
export function lightragRoutes(config: Config) {
  const s = lightragSchemas(config);
  const { Ids } = fieldSchemas(config.limits);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const params = s.NamespaceParam;

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "upsert",
      method: "post",
      path: "/kv/{namespace}/upsert",
      operationId: "upsertKvEntries",
      tags,
      summary: "Upsert records of a key-value namespace (each replaces the stored one)",
      request: { params, body: jsonRequestBody(s.UpsertKv) },
      responses: { 200: jsonResponse(Upserted, "Records written") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const upserted = await c.var.tenant.call<number>(
        "pgrag.upsert_kv_entries($1, $2::text::jsonb)",
        [namespace, JSON.stringify(c.req.valid("json").entries)],
      );
      return c.json({ upserted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/kv/{namespace}/get",
      operationId: "getKvEntries",
      tags,
      summary: "Records of a key-value namespace by ids, aligned, null where missing",
      request: { params, body: jsonRequestBody(Ids) },
      responses: { 200: jsonResponse(s.KvItems, "The records") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const items = await c.var.tenant.call<z.infer<typeof s.KvItems>["items"]>(
        "pgrag.get_kv_entries($1, $2::text::json)",
        [namespace, JSON.stringify(c.req.valid("json").ids)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/kv/{namespace}/missing",
      operationId: "findMissingKvEntries",
      tags,
      summary: "Which of the ids a key-value namespace does not hold",
      request: { params, body: jsonRequestBody(Ids) },
      responses: { 200: jsonResponse(Missing, "Ids not stored") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const missing = await c.var.tenant.call<string[]>(
        "pgrag.missing_kv_entries($1, $2::text::json)",
        [namespace, JSON.stringify(c.req.valid("json").ids)],
      );
      return c.json({ missing }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/kv/{namespace}/delete",
      operationId: "deleteKvEntries",
      tags,
      summary: "Delete records of a key-value namespace by ids",
      request: { params, body: jsonRequestBody(Ids) },
      responses: { 200: jsonResponse(Deleted, "How many were deleted") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const deleted = await c.var.tenant.call<number>(
        "pgrag.delete_kv_entries($1, $2::text::json)",
        [namespace, JSON.stringify(c.req.valid("json").ids)],
      );
      return c.json({ deleted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/kv/{namespace}/drop",
      operationId: "dropKvNamespace",
      tags,
      summary: "Delete every record of a key-value namespace (LightRAG's drop)",
      request: { params },
      responses: { 200: jsonResponse(Deleted, "How many were deleted") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const deleted = await c.var.tenant.call<number>("pgrag.delete_kv_entries($1, null)", [
        namespace,
      ]);
      return c.json({ deleted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/kv/{namespace}/query",
      operationId: "queryKvEntries",
      tags,
      summary: "A sorted page of a key-value namespace by containment, with total and counts",
      description: "What doc-status storage asks: documents by status, track id or file path, " +
        "paged by number with the total, and the count of each status.",
      request: { params, body: jsonRequestBody(s.QueryKv) },
      responses: { 200: jsonResponse(s.KvPage, "The page") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const q = c.req.valid("json");
      const page = await c.var.tenant.call<z.infer<typeof s.KvPage>>(
        "pgrag.query_kv_entries($1, $2::text::jsonb, $3, $4::text::boolean, $5, $6, $7)",
        [
          namespace,
          q.match ? JSON.stringify(q.match) : null,
          q.sort_field ?? null,
          String(q.descending),
          q.offset,
          q.limit,
          q.count_field ?? null,
        ],
      );
      return c.json(page, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "upsert",
      method: "post",
      path: "/vectors/{namespace}/upsert",
      operationId: "upsertVectors",
      tags,
      summary: "Upsert records with embeddings into a vector namespace",
      request: { params, body: jsonRequestBody(s.UpsertVectors) },
      responses: { 200: jsonResponse(Upserted, "Records written") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const upserted = await c.var.tenant.call<number>(
        "pgrag.upsert_namespace_vectors($1, $2::text::json)",
        [namespace, JSON.stringify(c.req.valid("json").records)],
      );
      return c.json({ upserted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: "search",
      method: "post",
      path: "/vectors/{namespace}/query",
      operationId: "queryVectors",
      tags: [...tags, "search"],
      summary: "The records of a vector namespace nearest to an embedding (exact cosine)",
      request: { params, body: jsonRequestBody(s.QueryVectors) },
      responses: {
        200: jsonResponse(
          z.object({
            results: z.array(s.VectorItem.extend({ similarity: z.number(), distance: z.number() })),
          }),
          "Best first",
        ),
      },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const q = c.req.valid("json");
      const results = await c.var.tenant.call<[]>(
        "pgrag.query_namespace_vectors($1, $2, $3, $4)",
        [namespace, q.embedding, q.top_k, q.min_similarity ?? null],
      );
      return c.json({ results }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/vectors/{namespace}/get",
      operationId: "getVectors",
      tags,
      summary: "Records of a vector namespace by ids, aligned, null where missing",
      request: { params, body: jsonRequestBody(s.GetVectors) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(nullableItem(s.VectorItem)) }), "The records"),
      },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const { ids, include_embedding } = c.req.valid("json");
      const items = await c.var.tenant.call<[]>(
        "pgrag.get_namespace_vectors($1, $2::text::json, $3::text::boolean)",
        [namespace, JSON.stringify(ids), String(include_embedding)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/vectors/{namespace}/delete",
      operationId: "deleteVectors",
      tags,
      summary: "Delete records of a vector namespace by ids or by the entity they name",
      request: { params, body: jsonRequestBody(s.DeleteVectors) },
      responses: { 200: jsonResponse(Deleted, "How many were deleted") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const body = c.req.valid("json");
      const name = body.relations_of ?? body.entity_name ?? null;
      const deleted = await c.var.tenant.call<number>(
        "pgrag.delete_namespace_vectors($1, $2::text::json, $3, $4::text::boolean)",
        [namespace, JSON.stringify(body.ids ?? []), name, String(body.relations_of !== undefined)],
      );
      return c.json({ deleted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/vectors/{namespace}/drop",
      operationId: "dropVectorNamespace",
      tags,
      summary: "Delete every record of a vector namespace (LightRAG's drop)",
      request: { params },
      responses: { 200: jsonResponse(Deleted, "How many were deleted") },
    }),
    async (c) => {
      const { namespace } = c.req.valid("param");
      const deleted = await c.var.tenant.call<number>("pgrag.drop_namespace_vectors($1)", [
        namespace,
      ]);
      return c.json({ deleted }, 200);
    },
  );

  return app;
}
