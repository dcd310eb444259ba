import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { embeddingSchema } from "./embedding.ts";
import { fieldSchemas } from "./fields.ts";

export const SEARCH_MODES = ["hybrid", "vector", "keyword"] as const;

// Runs of letters or digits: what PostgreSQL's text parser makes words of, near enough. Each
// distinct one becomes a term of the keyword query, OR-ed with the others, so their number is
// what a query costs; a query past the bound is refused rather than silently shortened.
const WORD = /[\p{L}\p{N}]+/gu;

function withinWords(text: string, limit: number): boolean {
  let words = 0;
  for (const _ of text.matchAll(WORD)) if (++words > limit) return false;
  return true;
}

/** Request and response schemas of `POST /search` (API §5). */
export function searchSchemas(config: Config) {
  const { id, text, metadata, idList } = fieldSchemas(config.limits);
  const weight = z.number().min(0).max(1_000_000);

  const Filter = z.strictObject({
    metadata: metadata.optional().describe("jsonb containment on the chunk's metadata"),
    document_ids: idList.optional(),
    source: id.optional().describe("the `source` of the chunk's document"),
  }).openapi("SearchFilter");

  const Search = z.strictObject({
    query: text.refine(
      (value) => withinWords(value, config.limits.queryWords),
      `must have at most ${config.limits.queryWords} words`,
    ).optional(),
    embedding: embeddingSchema(config.embeddingDim).optional(),
    mode: z.enum(SEARCH_MODES).optional()
      .describe("defaults to hybrid when both query and embedding are given, else the one that is"),
    top_k: z.number().int().min(1).max(1000).default(10),
    filter: Filter.optional(),
    full_text_weight: weight.default(1),
    semantic_weight: weight.default(1),
    rrf_k: z.number().int().min(0).max(1_000_000).default(60),
    min_similarity: z.number().min(-1).max(1).optional()
      .describe("drops results whose cosine similarity is lower (and those without embedding)"),
    ef_search: z.number().int().min(1).max(1000).default(40),
    include_embedding: z.boolean().default(false),
  }).superRefine((body, ctx) => {
    const mode = body.mode ??
      (body.embedding === undefined ? "keyword" : body.query === undefined ? "vector" : "hybrid");
    if (mode !== "vector" && body.query === undefined) {
      ctx.addIssue({ code: "custom", path: ["query"], message: `a ${mode} search needs a query` });
    }
    if (mode !== "keyword" && body.embedding === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["embedding"],
        message: `a ${mode} search needs an embedding`,
      });
    }
  }).openapi("Search");

  const Result = z.object({
    chunk_id: z.string(),
    document_id: z.string(),
    content: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    score: z.number(),
    similarity: z.number().nullable(),
    keyword_rank: z.number().int().nullable(),
    vector_rank: z.number().int().nullable(),
    embedding: z.array(z.number()).optional(),
  }).openapi("SearchResult");

  return {
    Search,
    Results: z.object({
      results: z.array(Result),
      exhausted: z.boolean()
        .describe("true when fewer than top_k chunks pass the filter (and min_similarity)"),
    }).openapi("SearchResults"),
  };
}
