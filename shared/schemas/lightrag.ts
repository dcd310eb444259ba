import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { embeddingSchema } from "./embedding.ts";
import { fieldSchemas, jsonObjectSchema, nullableItem, storableJson } from "./fields.ts";

/** Namespaces as LightRAG names them (`full_docs`, `text_chunks`, `doc_status`, `entities`...). */
const namespace = z.string().regex(
  /^[a-z][a-z0-9_]{0,63}$/,
  "must be lower-case letters, digits and _ (1–64, a letter first)",
)
  .openapi({ example: "full_docs" });

/**
 * A LightRAG record (a document, a chunk, a doc status...) kept as sent. Only the body limit
 * bounds it, since full documents are far larger than metadata; what PostgreSQL cannot store
 * is refused here rather than by the database.
 */
const record = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  "must be a JSON object",
).refine(
  (value) => storableJson(JSON.stringify(value)),
  "must not contain NUL characters or lone surrogates",
)
  .openapi({ type: "object", additionalProperties: {} });

/** Request and response schemas of the LightRAG namespace routes (API §10). */
export function lightragSchemas(config: Config) {
  const { id, idList, metadata, plainText } = fieldSchemas(config.limits);
  const embedding = embeddingSchema(config.embeddingDim);
  // What is stored is bounded in depth and keys like any free-form object (a read path must be
  // able to serialize it again), in size only by the body limit.
  const recordInput = jsonObjectSchema({
    metadataBytes: config.bodyLimitBytes,
    jsonDepth: config.limits.jsonDepth,
    jsonKeys: config.limits.jsonKeys,
  });
  const Entries = z.record(id, recordInput).refine(
    (entries) => {
      const count = Object.keys(entries).length;
      return count >= 1 && count <= config.limits.batchItems;
    },
    `must hold 1 to ${config.limits.batchItems} records`,
  );

  return {
    NamespaceParam: z.object({ namespace }),
    UpsertKv: z.strictObject({ entries: Entries }).openapi("KvEntries"),
    // Not record.nullable(): the generator drops nullability from a custom schema.
    KvItems: z.object({ items: z.array(nullableItem(record)) }).openapi("KvItems"),
    QueryKv: z.strictObject({
      match: metadata.optional().describe("records whose value contains this object (jsonb @>)"),
      sort_field: id.optional().describe("a field of the record to sort by; the id by default"),
      descending: z.boolean().default(false),
      offset: z.number().int().min(0).max(10_000_000).default(0)
        .describe("LightRAG pages by number, so this route takes an offset"),
      limit: z.number().int().min(0).max(config.limits.batchItems).default(50),
      count_field: id.optional().describe("count the values of this field among the matches"),
    }).openapi("KvQuery"),
    KvPage: z.object({
      items: z.array(record),
      total: z.number().int(),
      counts: z.record(z.string(), z.number().int()),
    }).openapi("KvPage"),
    UpsertVectors: z.strictObject({
      records: z.array(z.strictObject({
        id,
        content: plainText.optional(),
        metadata: metadata.optional(),
        embedding,
      })).min(1).max(config.limits.batchItems).superRefine(refuseRepeatedIds),
    }).openapi("VectorRecords"),
    QueryVectors: z.strictObject({
      embedding,
      top_k: z.number().int().min(1).max(1000).default(10),
      min_similarity: z.number().min(-1).max(1).optional()
        .describe("only results whose cosine similarity is above this (LightRAG's threshold)"),
    }).openapi("VectorQuery"),
    GetVectors: z.strictObject({ ids: idList, include_embedding: z.boolean().default(false) })
      .openapi("VectorIds"),
    DeleteVectors: z.strictObject({
      ids: idList.optional(),
      entity_name: id.optional().describe("also records whose metadata.entity_name is this"),
      relations_of: id.optional()
        .describe("also records whose metadata.src_id or metadata.tgt_id is this"),
    }).refine(
      (body) => [body.ids, body.entity_name, body.relations_of].some((v) => v !== undefined),
      { message: "name the ids, an entity_name or relations_of", path: ["ids"] },
    ).openapi("DeleteVectors"),
    VectorItem: z.object({
      id: z.string(),
      content: z.string(),
      metadata: z.record(z.string(), z.unknown()),
      created_at: z.number().int(),
      embedding: z.array(z.number()).optional(),
    }).openapi("VectorRecord"),
  };
}

/**
 * One statement upserts the whole batch, and PostgreSQL cannot update a row twice in one
 * statement; which of two records with one id should win is the client's to say, so a repeated
 * id is refused, naming both places, as the document routes do.
 */
function refuseRepeatedIds(records: { id: string }[], ctx: z.RefinementCtx): void {
  const first = new Map<string, number>();
  records.forEach((record, i) => {
    const earlier = first.get(record.id);
    if (earlier === undefined) first.set(record.id, i);
    else {
      ctx.addIssue({
        code: "custom",
        path: [i, "id"],
        message: `repeats the id of records[${earlier}]`,
        input: record.id,
      });
    }
  });
}
