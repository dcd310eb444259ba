import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { embeddingSchema } from "./embedding.ts";
import { fieldSchemas } from "./fields.ts";

export const SEARCH_MODES = ["hybrid", "vector", "keyword"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/**
 * The mode a search runs in when it names none: hybrid when it has both a query and an embedding
 * (sent, or made from the query by the server's provider), else whichever it has.
 */
export function searchMode(
  body: { mode?: SearchMode; query?: string; embedding?: string },
  providerConfigured: boolean,
): SearchMode {
  if (body.mode) return body.mode;
  const embedding = body.embedding !== undefined ||
    (providerConfigured && body.query !== undefined);
  return !embedding ? "keyword" : body.query === undefined ? "vector" : "hybrid";
}

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
  const providerConfigured = config.embedding.provider !== "none";
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
      .describe(
        "defaults to hybrid when both query and embedding are given (or the server has an " +
          "embedding provider to make the embedding from the query), else the one that is",
      ),
    top_k: z.number().int().min(1).max(1000).default(10),
    filter: Filter.optional(),
    full_text_weight: weight.default(1),
    semantic_weight: weight.default(1),
    rrf_k: z.number().int().min(0).max(1_000_000).default(60),
    min_similarity: z.number().min(-1).max(1).optional()
      .describe("drops results whose cosine similarity is lower (and those without embedding)"),
    ef_search: z.number().int().min(1).max(1000).default(40),
    include_embedding: z.boolean().default(false),
    fallback: z.enum(["keyword"]).optional().describe(
      "when the query's embedding must come from the server's provider and it does not answer: " +
        "answer by keywords alone (`mode: keyword` in the response) instead of 503",
    ),
  }).superRefine((body, ctx) => {
    const mode = searchMode(body, providerConfigured);
    if (mode !== "vector" && body.query === undefined) {
      ctx.addIssue({ code: "custom", path: ["query"], message: `a ${mode} search needs a query` });
    }
    if (mode !== "keyword" && body.embedding === undefined && !providerConfigured) {
      ctx.addIssue({
        code: "custom",
        path: ["embedding"],
        message: `a ${mode} search needs an embedding (this server has no embedding provider ` +
          "to make one from the query: PGRAG_EMBEDDING_PROVIDER)",
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
      mode: z.enum(SEARCH_MODES).describe("the mode the search ran in"),
      embedding_source: z.enum(["request", "provider"]).nullable().describe(
        "where the query's embedding came from: the request, or the server's provider (made " +
          "from the query, or remembered from an earlier identical query); null without one",
      ),
    }).openapi("SearchResults"),
  };
}
