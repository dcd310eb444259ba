/**
 * The typed pgrag client: openapi-fetch over the types openapi-typescript generates from the
 * served OpenAPI document (schema.ts). Runs on Deno and Node (18+); any fetch-compatible
 * function can be passed, an in-process app's `request` included.
 *
 * ```ts
 * const pgrag = createPgragClient({ baseUrl: "http://localhost:8000/rag/v1", apiKey });
 * const { data, error } = await pgrag.POST("/search", {
 *   body: { query: "gene therapy", filter: { metadata: { lang: "en" } } },
 * });
 * ```
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, operations, paths } from "./schema.ts";

export type { components, operations, paths };
/** A named schema of the document: `Schema<"Document">`, `Schema<"SearchFilter">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
/** The problem document every refusal carries (`application/problem+json`). */
export type Problem = Schema<"Problem">;
export type PgragClient = Client<paths>;

export interface PgragClientOptions {
  /** The API's base URL, ending in `/rag/v1` (`/functions/v1/rag/v1` on Supabase). */
  baseUrl: string;
  /** A tenant API key (sent as `X-API-Key`); the admin routes take `bearer` instead. */
  apiKey?: string;
  /** A JWT or, for the admin routes, PGRAG_ADMIN_KEY (sent as `Authorization: Bearer`). */
  bearer?: string;
  /** Replaces the global fetch (tests, proxies, custom agents). */
  fetch?: (request: Request) => Promise<Response>;
  headers?: Record<string, string>;
}

export function createPgragClient(options: PgragClientOptions): PgragClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) headers["X-API-Key"] = options.apiKey;
  if (options.bearer !== undefined) headers["Authorization"] = `Bearer ${options.bearer}`;
  const fetch = options.fetch;
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    // Looked up at call time, not bound at creation, so a fetch patched later is used.
    fetch: fetch ?? ((request: Request) => globalThis.fetch(request)),
  });
}
