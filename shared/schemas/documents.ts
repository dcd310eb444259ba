import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { DEFAULT_CHUNKING } from "../text/chunking.ts";
import { embeddingModeSchema, embeddingSchema } from "./embedding.ts";
import { count32, fieldSchemas } from "./fields.ts";

export const DOCUMENT_STATUSES = ["pending", "processing", "processed", "failed"] as const;
export const DOCUMENT_ORDERS = ["updated_at_desc", "created_at_desc", "id"] as const;

/** Request and response schemas of the document routes (API §3). */
export function documentSchemas(config: Config) {
  const { id, text, metadata, Ids } = fieldSchemas(config.limits);
  const optionalText = text.nullable().optional();

  const ChunkInput = z.strictObject({
    id: id.optional(),
    content: text,
    chunk_index: count32.optional(),
    tokens: count32.optional(),
    embedding: embeddingSchema(config.embeddingDim).optional(),
    metadata: metadata.optional(),
  });

  const DocumentInput = z.strictObject({
    id: id.optional(),
    title: optionalText,
    content: text,
    source: optionalText,
    file_path: optionalText,
    metadata: metadata.optional(),
    chunks: z.array(ChunkInput).max(config.limits.batchItems).optional().openapi({
      description: "The document's chunks. When absent the server chunks `content` by tokens.",
    }),
  });

  const Chunking = z.strictObject({
    max_tokens: z.number().int().min(1).max(65_536).default(DEFAULT_CHUNKING.maxTokens),
    overlap_tokens: z.number().int().min(0).max(65_535).default(DEFAULT_CHUNKING.overlapTokens),
  }).refine((value) => value.overlap_tokens < value.max_tokens, {
    message: "overlap_tokens must be smaller than max_tokens",
    path: ["overlap_tokens"],
  });

  const UpsertDocuments = z.strictObject({
    documents: z.array(DocumentInput).min(1).max(config.limits.batchItems),
    chunking: Chunking.optional(),
    embedding: embeddingModeSchema(config.embedding.provider !== "none"),
  }).superRefine((body, ctx) => {
    const chunks = body.documents.reduce(
      (sum, document) => sum + (document.chunks?.length ?? 0),
      0,
    );
    if (chunks > config.limits.batchItems) {
      ctx.addIssue({
        code: "custom",
        path: ["documents"],
        message: `at most ${config.limits.batchItems} chunks per request, got ${chunks}`,
        input: body.documents,
      });
    }
  }).openapi("UpsertDocuments");

  const UpsertOutcome = z.object({
    documents: z.array(z.object({
      id: z.string(),
      status: z.enum(DOCUMENT_STATUSES),
      chunks_count: z.number().int(),
      created: z.boolean(),
    })),
  }).openapi("UpsertDocumentsResult");

  const DocumentFields = {
    id: z.string(),
    title: z.string().nullable(),
    source: z.string().nullable(),
    file_path: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    content_hash: z.string(),
    status: z.enum(DOCUMENT_STATUSES),
    chunks_count: z.number().int(),
    embedded_chunks: z.number().int(),
    error_msg: z.string().nullable(),
    track_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  };
  const DocumentSummary = z.object(DocumentFields).openapi("DocumentSummary");
  const Document = z.object({ ...DocumentFields, content: z.string() }).openapi("Document");

  const ListQuery = z.object({
    status: z.enum(DOCUMENT_STATUSES).optional(),
    track_id: id.optional(),
    file_path: z.string().min(1).max(4096).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(2048).optional(),
    order: z.enum(DOCUMENT_ORDERS).default("updated_at_desc"),
  });

  const StatusUpdate = z.strictObject({
    status: z.enum(DOCUMENT_STATUSES),
    error_msg: text.nullable().optional(),
    track_id: id.nullable().optional(),
    metadata: metadata.optional().openapi({ description: "Merged into the stored metadata." }),
  }).openapi("DocumentStatusUpdate");

  const StatusCounts = z.object({
    pending: z.number().int(),
    processing: z.number().int(),
    processed: z.number().int(),
    failed: z.number().int(),
    all: z.number().int(),
  }).openapi("DocumentStatusCounts");

  return {
    UpsertDocuments,
    UpsertOutcome,
    Document,
    DocumentSummary,
    ListQuery,
    StatusUpdate,
    StatusCounts,
    Ids,
    IdParam: z.object({ id }),
  };
}
