import { z } from "@hono/zod-openapi";
import { type ProblemCode, PROBLEMS } from "../http/problem.ts";

/** OpenAPI plumbing shared by the routes. */

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]),
  request_id: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi("Problem");

/** A response whose body is JSON of `schema`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A required JSON request body of `schema`, validated before the handler runs. */
export function jsonRequestBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true };
}

/** An error response: problem details, whose `code` says which problem. */
export function problemResponse(description: string) {
  return { description, content: { "application/problem+json": { schema: ProblemSchema } } };
}

/** The errors every route behind credentials can answer with, tenant and admin routes alike. */
export const CREDENTIALED_ERRORS = {
  400: problemResponse("The request is not valid; `errors` names each offending field"),
  401: problemResponse("The credentials are missing, unknown, revoked or expired"),
  503: problemResponse(
    "`unavailable`: the database does not answer, try again after `Retry-After`; " +
      "`schema_not_ready`: the database is not migrated, run `deno task db:migrate`",
  ),
} as const;

/** The errors of tenant routes: the credentialed ones, and a role or tenant that refuses. */
export const TENANT_ERRORS = {
  ...CREDENTIALED_ERRORS,
  403: problemResponse(
    "`forbidden`: the credential's role does not allow this route; " +
      "`tenant_suspended`: the tenant is suspended",
  ),
} as const;

/** What a route that takes a body may answer besides, before its body is validated. */
export const BODY_ERRORS = {
  408: problemResponse("`body_timeout`: the body did not arrive within PGRAG_BODY_TIMEOUT_MS"),
  413: problemResponse("`payload_too_large`: the body is larger than PGRAG_BODY_LIMIT"),
  415: problemResponse("`unsupported_media_type`: the body is not application/json"),
} as const;

/** What a route that enforces the tenant's monthly budget may answer besides. */
export const BUDGET_ERRORS = {
  402: problemResponse("`budget_exceeded`: the month is over the tenant's enforced budget"),
} as const;

/** What a route that can grow the tenant's documents may answer besides. */
export const QUOTA_ERRORS = {
  429: problemResponse(
    "`quota_exceeded`: the request would take the tenant past max_documents or max_storage_mb",
  ),
} as const;

export const EMBEDDING_ERRORS = {
  503: problemResponse(
    "`embedding_unavailable`: the query needed the embedding provider, which did not answer " +
      '(`Retry-After` says when to try again; `fallback: "keyword"` answers by keywords ' +
      "instead); or the database is unavailable",
  ),
} as const;

export const NOT_FOUND = { 404: problemResponse("The tenant has no such item") } as const;

export const API_KEY_SCHEME = { type: "apiKey", in: "header", name: "X-API-Key" } as const;
export const JWT_SCHEME = {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "HS256 with PGRAG_JWT_SECRET or ES256/RS256 from PGRAG_JWKS_URL; tenant from " +
    "app_metadata.tenant_id or tenant_id, role from app_metadata.pgrag_role or pgrag_role.",
} as const;

/** The document's tags, in the order a reference page lists them. */
export const API_TAGS = [
  { name: "service", description: "Health and the service itself; no credentials." },
  { name: "documents", description: "Documents with their chunks, status and track ids." },
  { name: "chunks", description: "Chunks: the units that are embedded and searched." },
  {
    name: "embeddings",
    description: "The queue of chunks the server's embedding provider embeds.",
  },
  { name: "search", description: "Hybrid (BM25 + vector), vector and keyword search." },
  { name: "graph", description: "The knowledge graph: entities, relations, subgraphs." },
  { name: "cache", description: "The LLM response cache." },
  { name: "lightrag", description: "Key-value and vector namespaces for LightRAG's storages." },
  { name: "usage", description: "Cost records, usage summaries, statistics and the audit log." },
  { name: "admin", description: "Tenants and API keys, with the admin key." },
];
