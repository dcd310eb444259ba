import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { relayJson } from "../http/relay-json.ts";
import { validationHook } from "../http/validation.ts";
import { graphSchemas } from "../schemas/graph.ts";
import { entityParameters, relationParameters } from "../batches/graph.ts";
import { jsonRequestBody, jsonResponse, NOT_FOUND } from "./openapi.ts";
import { nullableItem } from "../schemas/fields.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["graph"];
const Upserted = z.object({ upserted: z.number().int() });

/** API §6: the knowledge graph (LightRAG graph storage); relations are undirected. */
export function graphRoutes(config: Config) {
  const s = graphSchemas(config);
  type Entity = z.infer<typeof s.Entity>;
  type Relation = z.infer<typeof s.Relation>;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "upsert",
      method: "post",
      path: "/graph/entities",
      operationId: "upsertEntities",
      tags,
      summary: "Upsert entities",
      description: "One statement for the batch. Merge: properties merged, source_chunk_ids " +
        "unioned, every other field replaced when given. A name repeated in the batch is " +
        "merged the same way, in order.",
      request: { body: jsonRequestBody(s.UpsertEntities) },
      responses: { 200: jsonResponse(Upserted, "Distinct entities written") },
    }),
    async (c) => {
      const { rows, params } = entityParameters(c.req.valid("json").entities);
      await c.var.tenant.call("pgrag.upsert_entities($1::text::json, $2)", params);
      return c.json({ upserted: rows }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "upsert",
      method: "post",
      path: "/graph/relations",
      operationId: "upsertRelations",
      tags,
      summary: "Upsert relations (undirected), creating missing endpoints",
      description: "(a, b) and (b, a) are the same relation. Merged like entities; a missing " +
        "endpoint is created with the relation's source_chunk_ids and file_path.",
      request: { body: jsonRequestBody(s.UpsertRelations) },
      responses: { 200: jsonResponse(Upserted, "Distinct relations written") },
    }),
    async (c) => {
      const { rows, params } = relationParameters(c.req.valid("json").relations);
      await c.var.tenant.call("pgrag.upsert_relations($1::text::json, $2)", params);
      return c.json({ upserted: rows }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/graph/entities/{name}",
      operationId: "getEntity",
      tags,
      summary: "One entity, with its degree",
      request: { params: s.NameParam },
      responses: { 200: jsonResponse(s.Entity, "The entity"), ...NOT_FOUND },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const entity = await c.var.tenant.call<Entity>(
        "pgrag.get_entities($1::text::json) -> 0",
        [JSON.stringify([name])],
        { notFound: `entity ${name} does not exist` },
      );
      return c.json(entity, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/graph/entities/get",
      operationId: "getEntities",
      tags,
      summary: "Entities by name, aligned with the request (null where missing)",
      request: { body: jsonRequestBody(s.GetEntities) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(nullableItem(s.Entity)) }), "Aligned items"),
      },
    }),
    async (c) => {
      const { names } = c.req.valid("json");
      const items = await c.var.tenant.call<(Entity | null)[]>(
        "pgrag.get_entities($1::text::json)",
        [JSON.stringify(names)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/graph/entities/{name}/relations",
      operationId: "listEntityRelations",
      tags,
      summary: "Every relation of an entity",
      request: { params: s.NameParam },
      responses: {
        200: jsonResponse(z.object({ items: z.array(s.Relation) }), "Its relations"),
        ...NOT_FOUND,
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const items = await c.var.tenant.call<string>("pgrag.entity_relations($1)::text", [name], {
        notFound: `entity ${name} does not exist`,
      });
      return relayJson(c, items, { wrap: "items" });
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "delete",
      path: "/graph/entities/{name}",
      operationId: "deleteEntity",
      tags,
      summary: "Delete an entity with its relations",
      request: { params: s.NameParam },
      responses: { 204: { description: "Deleted" }, ...NOT_FOUND },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await c.var.tenant.call("pgrag.delete_entity($1)", [name], {
        notFound: `entity ${name} does not exist`,
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/graph/relations",
      operationId: "getRelations",
      tags,
      summary: "The relation between two entities, in either order",
      request: { query: s.RelationQuery },
      responses: { 200: jsonResponse(s.Relation, "The relation"), ...NOT_FOUND },
    }),
    async (c) => {
      const { source, target } = c.req.valid("query");
      const relation = await c.var.tenant.call<Relation>(
        "pgrag.get_relation($1, $2)",
        [source, target],
        { notFound: `no relation between ${source} and ${target}` },
      );
      return c.json(relation, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "post",
      path: "/graph/relations/delete",
      operationId: "deleteRelations",
      tags,
      summary: "Delete relations by endpoint pairs, in either order",
      request: { body: jsonRequestBody(s.DeleteRelations) },
      responses: {
        200: jsonResponse(z.object({ deleted: z.number().int() }), "How many were deleted"),
      },
    }),
    async (c) => {
      const { pairs } = c.req.valid("json");
      const deleted = await c.var.tenant.call<number>(
        "pgrag.delete_relations($1::text::json)",
        [JSON.stringify(pairs)],
      );
      return c.json({ deleted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/graph/subgraph",
      operationId: "getSubgraph",
      tags,
      summary: "Breadth-first subgraph around an entity",
      description: "Nodes closest first, then by degree; a level that does not fit in " +
        "`max_nodes` keeps its best connected entities and sets `is_truncated`. `label=*` " +
        "returns the most connected entities. An unknown label gives an empty graph.",
      request: { query: s.SubgraphQuery },
      responses: { 200: jsonResponse(s.Subgraph, "The subgraph") },
    }),
    async (c) => {
      const { label, max_depth, max_nodes } = c.req.valid("query");
      const graph = await c.var.tenant.call<string>(
        "pgrag.subgraph($1, $2, $3)::text",
        [label, max_depth, max_nodes],
      );
      return relayJson(c, graph);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/graph/labels",
      operationId: "listLabels",
      tags,
      summary: "Entity names: the most connected, or fuzzy matches of `q`",
      request: { query: s.LabelsQuery },
      responses: { 200: jsonResponse(s.Labels, "Names with their degrees") },
    }),
    async (c) => {
      const { q, limit } = c.req.valid("query");
      const items = await c.var.tenant.call<z.infer<typeof s.Labels>["items"]>(
        "pgrag.graph_labels($1, $2)",
        [q ?? null, limit],
      );
      return c.json({ items }, 200);
    },
  );

  return app;
}
