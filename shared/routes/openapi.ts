import { z } from "@hono/zod-openapi";

/** OpenAPI plumbing shared by the tenant routes. */

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
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

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** The errors any tenant route can answer with. */
export const TENANT_ERRORS = {
  400: problem("The request is not valid; `errors` names each offending field"),
  401: problem("The API key or token is missing, unknown, revoked or expired"),
  403: problem("The credential's role does not allow this route, or the tenant is suspended"),
} as const;

export const NOT_FOUND = { 404: problem("The tenant has no such item") } as const;

/** Tenant routes take the tenant's API key or a JWT; the OpenAPI document declares them once. */
export const API_KEY_SECURITY: Record<string, string[]>[] = [{ ApiKey: [] }, { Jwt: [] }];
export const API_KEY_SCHEME = { type: "apiKey", in: "header", name: "X-API-Key" } as const;
export const JWT_SCHEME = {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "HS256 with PGRAG_JWT_SECRET or ES256/RS256 from PGRAG_JWKS_URL; tenant from " +
    "app_metadata.tenant_id or tenant_id, role from app_metadata.pgrag_role or pgrag_role.",
} as const;
