import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { validationHook } from "../http/validation.ts";
import { graphSchemas } from "../schemas/graph.ts";
import { jsonRequestBody, jsonResponse } from "./openapi.ts";
import { nullableItem } from "../schemas/fields.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["graph"];

/**
 * API §6, batch forms LightRAG's graph storage needs as one request each: relations of many
 * pairs, the relations of many entities, deleting many entities (or all: drop), the whole graph.
 */
export function graphBatchRoutes(config: Config) {
  const s = graphSchemas(config);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/graph/relations/get",
      operationId: "getRelationsByPairs",
      tags,
      summary: "The relations between pairs (either order), aligned, null where none",
      request: { body: jsonRequestBody(s.DeleteRelations) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(nullableItem(s.Relation)) }), "The relations"),
      },
    }),
    async (c) => {
      const items = await c.var.tenant.call<[]>("pgrag.get_relations($1::text::json)", [
        JSON.stringify(c.req.valid("json").pairs),
      ]);
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/graph/entities/relations",
      operationId: "getEntitiesRelations",
      tags,
      summary: "The relations of each named entity, aligned, null for a missing entity",
      request: { body: jsonRequestBody(s.GetEntities) },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(z.array(s.Relation).nullable()) }),
          "Relations per name",
        ),
      },
    }),
    async (c) => {
      const items = await c.var.tenant.call<[]>("pgrag.entities_relations($1::text::json)", [
        JSON.stringify(c.req.valid("json").names),
      ]);
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/graph/entities/delete",
      operationId: "deleteEntities",
      tags,
      summary: "Delete the named entities with their relations",
      request: { body: jsonRequestBody(s.GetEntities) },
      responses: { 200: jsonResponse(z.object({ deleted: z.number().int() }), "How many existed") },
    }),
    async (c) => {
      const deleted = await c.var.tenant.call<number>("pgrag.delete_entities($1::text::json)", [
        JSON.stringify(c.req.valid("json").names),
      ]);
      return c.json({ deleted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/graph/drop",
      operationId: "dropGraph",
      tags,
      summary: "Delete the tenant's whole knowledge graph (LightRAG's drop)",
      responses: { 200: jsonResponse(z.object({ deleted: z.number().int() }), "Entities deleted") },
    }),
    async (c) => {
      const deleted = await c.var.tenant.call<number>("pgrag.delete_entities(null)", []);
      return c.json({ deleted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/graph/export",
      operationId: "exportGraph",
      tags,
      summary: "The tenant's graph: entities by name up to max_nodes, relations among them",
      request: {
        query: z.object({
          max_nodes: z.coerce.number().int().min(1).max(100_000).default(10_000),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            entities: z.array(s.Entity),
            relations: z.array(s.Relation),
            is_truncated: z.boolean(),
          }).openapi("GraphExport"),
          "The graph",
        ),
      },
    }),
    async (c) => {
      const { max_nodes } = c.req.valid("query");
      const graph = await c.var.tenant.call<{ entities: []; relations: []; is_truncated: boolean }>(
        "pgrag.export_graph($1)",
        [max_nodes],
      );
      return c.json(graph, 200);
    },
  );

  return app;
}
