import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { embeddingModeSchema, embeddingSchema } from "./embedding.ts";
import { count32, fieldSchemas } from "./fields.ts";

/** Request and response schemas of the chunk routes (API §4). */
export function chunkSchemas(config: Config) {
  const { id, text, metadata, idList, Ids } = fieldSchemas(config.limits);
  const embedding = embeddingSchema(config.embeddingDim);

  const ChunkInput = z.strictObject({
    id: id.optional(),
    document_id: id,
    content: text,
    chunk_index: count32,
    tokens: count32.optional(),
    embedding: embedding.optional(),
    file_path: text.nullable().optional(),
    metadata: metadata.optional(),
  });

  const Chunk = z.object({
    id: z.string(),
    document_id: z.string(),
    chunk_index: z.number().int(),
    content: z.string(),
    tokens: z.number().int().nullable(),
    file_path: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    has_embedding: z.boolean(),
    embedding: z.array(z.number()).optional(),
    created_at: z.string(),
    updated_at: z.string(),
  }).openapi("Chunk");

  return {
    UpsertChunks: z.strictObject({
      chunks: z.array(ChunkInput).min(1).max(config.limits.batchItems),
      embedding: embeddingModeSchema(config.embedding.provider !== "none"),
    }).openapi("UpsertChunks"),
    Chunk,
    GetChunks: z.strictObject({ ids: idList, include_embedding: z.boolean().default(false) })
      .openapi("GetChunks"),
    Ids,
    SetEmbeddings: z.strictObject({
      items: z.array(z.strictObject({ id, embedding })).min(1).max(config.limits.batchItems),
    }).openapi("SetEmbeddings"),
    IdParam: z.object({ id }),
    IncludeQuery: z.object({ include: z.enum(["embedding"]).optional() }),
  };
}
