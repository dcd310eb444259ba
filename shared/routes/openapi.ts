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

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true };
}

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** The errors any tenant route can answer with. */
export const TENANT_ERRORS = {
  400: problem("The request is not valid; `errors` names each offending field"),
  401: problem("The API key is missing, unknown or revoked"),
  403: problem("The key's level does not allow this route, or the tenant is suspended"),
} as const;

export const NOT_FOUND = { 404: problem("The tenant has no such item") } as const;

/** Tenant routes take the tenant's API key; the OpenAPI document declares it once. */
export const API_KEY_SECURITY = [{ ApiKey: [] }];
export const API_KEY_SCHEME = { type: "apiKey", in: "header", name: "X-API-Key" } as const;
