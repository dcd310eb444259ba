import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { Problem } from "../http/problem.ts";
import { callTenantFunction } from "../http/tenant.ts";
import { validationHook } from "../http/validation.ts";
import { graphSchemas } from "../schemas/graph.ts";
import { entityParameters, relationParameters } from "../storage/graph-batches.ts";
import { API_KEY_SECURITY, jsonBody, jsonContent, NOT_FOUND, TENANT_ERRORS } from "./openapi.ts";

const tags = ["graph"];
const security = API_KEY_SECURITY;
const Upserted = z.object({ upserted: z.number().int() });

/** API §6: the knowledge graph (LightRAG graph storage); relations are undirected. */
export function graphRoutes(config: Config) {
  const s = graphSchemas(config);
  type Entity = z.infer<typeof s.Entity>;
  type Relation = z.infer<typeof s.Relation>;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/entities",
      tags,
      security,
      summary: "Upsert entities",
      description: "One statement for the batch. Merge: properties merged, source_chunk_ids " +
        "unioned, every other field replaced when given. A name repeated in the batch is " +
        "merged the same way, in order.",
      request: { body: jsonBody(s.UpsertEntities) },
      responses: { 200: jsonContent(Upserted, "Distinct entities written"), ...TENANT_ERRORS },
    }),
    async (c) => {
      const { rows, params } = entityParameters(c.req.valid("json").entities);
      await callTenantFunction(c, "writer", "pgrag.upsert_entities($1::text::json, $2)", params, {
        idempotent: true,
      });
      return c.json({ upserted: rows }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/relations",
      tags,
      security,
      summary: "Upsert relations (undirected), creating missing endpoints",
      description: "(a, b) and (b, a) are the same relation. Merged like entities; a missing " +
        "endpoint is created with the relation's source_chunk_ids and file_path.",
      request: { body: jsonBody(s.UpsertRelations) },
      responses: { 200: jsonContent(Upserted, "Distinct relations written"), ...TENANT_ERRORS },
    }),
    async (c) => {
      const { rows, params } = relationParameters(c.req.valid("json").relations);
      await callTenantFunction(c, "writer", "pgrag.upsert_relations($1::text::json, $2)", params, {
        idempotent: true,
      });
      return c.json({ upserted: rows }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/entities/{name}",
      tags,
      security,
      summary: "One entity, with its degree",
      request: { params: s.NameParam },
      responses: { 200: jsonContent(s.Entity, "The entity"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const [entity] = await callTenantFunction<(Entity | null)[]>(
        c,
        "reader",
        "pgrag.get_entities($1::text::json)",
        [JSON.stringify([name])],
      );
      if (!entity) throw new Problem("not_found", `entity ${name} does not exist`);
      return c.json(entity, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/entities/get",
      tags,
      security,
      summary: "Entities by name, aligned with the request (null where missing)",
      request: { body: jsonBody(s.GetEntities) },
      responses: {
        200: jsonContent(z.object({ items: z.array(s.Entity.nullable()) }), "Aligned items"),
        ...TENANT_ERRORS,
      },
    }),
    async (c) => {
      const { names } = c.req.valid("json");
      const items = await callTenantFunction<(Entity | null)[]>(
        c,
        "reader",
        "pgrag.get_entities($1::text::json)",
        [JSON.stringify(names)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/entities/{name}/relations",
      tags,
      security,
      summary: "Every relation of an entity",
      request: { params: s.NameParam },
      responses: {
        200: jsonContent(z.object({ items: z.array(s.Relation) }), "Its relations"),
        ...TENANT_ERRORS,
        ...NOT_FOUND,
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const items = await callTenantFunction<Relation[] | null>(
        c,
        "reader",
        "pgrag.entity_relations($1)",
        [name],
      );
      if (!items) throw new Problem("not_found", `entity ${name} does not exist`);
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/graph/entities/{name}",
      tags,
      security,
      summary: "Delete an entity with its relations",
      request: { params: s.NameParam },
      responses: { 204: { description: "Deleted" }, ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const deleted = await callTenantFunction<boolean>(
        c,
        "writer",
        "pgrag.delete_entity($1)",
        [name],
      );
      if (!deleted) throw new Problem("not_found", `entity ${name} does not exist`);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/relations",
      tags,
      security,
      summary: "The relation between two entities, in either order",
      request: { query: s.RelationQuery },
      responses: { 200: jsonContent(s.Relation, "The relation"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { source, target } = c.req.valid("query");
      const relation = await callTenantFunction<Relation | null>(
        c,
        "reader",
        "pgrag.get_relation($1, $2)",
        [source, target],
      );
      if (!relation) throw new Problem("not_found", `no relation between ${source} and ${target}`);
      return c.json(relation, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/relations/delete",
      tags,
      security,
      summary: "Delete relations by endpoint pairs, in either order",
      request: { body: jsonBody(s.DeleteRelations) },
      responses: {
        200: jsonContent(z.object({ deleted: z.number().int() }), "How many were deleted"),
        ...TENANT_ERRORS,
      },
    }),
    async (c) => {
      const { pairs } = c.req.valid("json");
      const deleted = await callTenantFunction<number>(
        c,
        "writer",
        "pgrag.delete_relations($1::text::json)",
        [JSON.stringify(pairs)],
      );
      return c.json({ deleted }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/subgraph",
      tags,
      security,
      summary: "Breadth-first subgraph around an entity",
      description: "Nodes closest first, then by degree; a level that does not fit in " +
        "`max_nodes` keeps its best connected entities and sets `is_truncated`. `label=*` " +
        "returns the most connected entities. An unknown label gives an empty graph.",
      request: { query: s.SubgraphQuery },
      responses: { 200: jsonContent(s.Subgraph, "The subgraph"), ...TENANT_ERRORS },
    }),
    async (c) => {
      const { label, max_depth, max_nodes } = c.req.valid("query");
      const graph = await callTenantFunction<z.infer<typeof s.Subgraph>>(
        c,
        "reader",
        "pgrag.subgraph($1, $2, $3)",
        [label, max_depth, max_nodes],
      );
      return c.json(graph, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/labels",
      tags,
      security,
      summary: "Entity names: the most connected, or fuzzy matches of `q`",
      request: { query: s.LabelsQuery },
      responses: { 200: jsonContent(s.Labels, "Names with their degrees"), ...TENANT_ERRORS },
    }),
    async (c) => {
      const { q, limit } = c.req.valid("query");
      const items = await callTenantFunction<z.infer<typeof s.Labels>["items"]>(
        c,
        "reader",
        "pgrag.graph_labels($1, $2)",
        [q ?? null, limit],
      );
      return c.json({ items }, 200);
    },
  );

  return app;
}
