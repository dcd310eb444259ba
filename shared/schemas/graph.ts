import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { embeddingSchema } from "./embedding.ts";
import { fieldSchemas } from "./fields.ts";

/** How many source chunk ids one entity or relation may carry in a request. */
const MAX_SOURCE_CHUNK_IDS = 10_000;

/** Request and response schemas of the knowledge graph routes (API §6, and §5's graph search). */
export function graphSchemas(config: Config) {
  const { id, text, plainText, metadata, idList } = fieldSchemas(config.limits);
  const batch = <T extends z.ZodType>(item: T) =>
    z.array(item).min(1).max(config.limits.batchItems);
  const name = id.openapi({ example: "Marie Curie" });
  const sourceChunkIds = z.array(id).max(MAX_SOURCE_CHUNK_IDS);
  const embedding = embeddingSchema(config.embeddingDim);
  const timestamps = { created_at: z.string(), updated_at: z.string() };

  const EntityInput = z.strictObject({
    name,
    type: id.nullable().optional(),
    description: plainText.nullable().optional(),
    source_chunk_ids: sourceChunkIds.optional(),
    file_path: plainText.nullable().optional(),
    embedding: embedding.optional(),
    properties: metadata.optional(),
  }).openapi("EntityInput");

  const RelationInput = z.strictObject({
    source: name,
    target: name,
    description: plainText.nullable().optional(),
    keywords: plainText.nullable().optional(),
    weight: z.number().min(-1e300).max(1e300).nullable().optional(),
    source_chunk_ids: sourceChunkIds.optional(),
    file_path: plainText.nullable().optional(),
    embedding: embedding.optional(),
    properties: metadata.optional(),
  }).refine((relation) => relation.source !== relation.target, {
    message: "a relation joins two different entities",
    path: ["target"],
  }).openapi("RelationInput");

  const Entity = z.object({
    name: z.string(),
    type: z.string().nullable(),
    description: z.string().nullable(),
    source_chunk_ids: z.array(z.string()),
    file_path: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    degree: z.number().int(),
    ...timestamps,
  }).openapi("Entity");

  const Relation = z.object({
    source: z.string(),
    target: z.string(),
    description: z.string().nullable(),
    keywords: z.string().nullable(),
    weight: z.number(),
    source_chunk_ids: z.array(z.string()),
    file_path: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    ...timestamps,
  }).openapi("Relation");

  const GraphSearch = z.strictObject({
    embedding: embedding.optional(),
    query: text.optional().describe(
      "text to embed with the server's embedding provider, when no `embedding` is sent",
    ),
    top_k: z.number().int().min(1).max(1000).default(10),
    min_similarity: z.number().min(-1).max(1).optional(),
  }).superRefine((body, ctx) => {
    if (body.embedding !== undefined) return;
    if (body.query === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["embedding"],
        message: "send an embedding or a query",
      });
    } else if (config.embedding.provider === "none") {
      ctx.addIssue({
        code: "custom",
        path: ["embedding"],
        message: "this server has no embedding provider to embed the query " +
          "(PGRAG_EMBEDDING_PROVIDER): send an embedding",
      });
    }
  });

  return {
    NameParam: z.object({ name }),
    UpsertEntities: z.strictObject({ entities: batch(EntityInput) }).openapi("UpsertEntities"),
    UpsertRelations: z.strictObject({ relations: batch(RelationInput) })
      .openapi("UpsertRelations"),
    GetEntities: z.strictObject({ names: idList }).openapi("EntityNames"),
    RelationQuery: z.object({ source: name, target: name }),
    SubgraphQuery: z.object({
      label: z.union([name, z.literal("*")])
        .describe("the entity to start from, or `*` for the most connected entities"),
      max_depth: z.coerce.number().int().min(0).max(10).default(3),
      max_nodes: z.coerce.number().int().min(1).max(10_000).default(1000),
    }),
    LabelsQuery: z.object({
      q: id.optional().describe("fuzzy match on names; without it the most connected first"),
      limit: z.coerce.number().int().min(1).max(1000).default(50),
    }),
    DeleteRelations: z.strictObject({
      // Exactly two names: generators and validating proxies see the tuple's length too, and
      // `items: {not: {}}`, which no value matches, says nothing follows the two.
      pairs: batch(z.tuple([name, name]).openapi({ minItems: 2, maxItems: 2, items: { not: {} } })),
    }).openapi("RelationPairs"),
    GraphSearch,
    Entity,
    Relation,
    Subgraph: z.object({
      nodes: z.array(Entity.extend({ depth: z.number().int() })),
      edges: z.array(Relation),
      is_truncated: z.boolean(),
    }).openapi("Subgraph"),
    Labels: z.object({
      items: z.array(z.object({ name: z.string(), degree: z.number().int() })),
    }).openapi("Labels"),
    EntityResults: z.object({
      results: z.array(
        Entity.pick({
          name: true,
          type: true,
          description: true,
          source_chunk_ids: true,
          degree: true,
        })
          .extend({ similarity: z.number() }),
      ),
    }).openapi("EntitySearchResults"),
    RelationResults: z.object({
      results: z.array(
        Relation.pick({
          source: true,
          target: true,
          description: true,
          keywords: true,
          weight: true,
          source_chunk_ids: true,
        }).extend({ similarity: z.number() }),
      ),
    }).openapi("RelationSearchResults"),
  };
}
