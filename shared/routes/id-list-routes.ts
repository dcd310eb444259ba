import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { jsonRequestBody, jsonResponse } from "./openapi.ts";
import { tenantRoute, type TenantRouteDeclaration } from "./tenant-route.ts";

/** What a route taking `{ ids }` answers: the ids not stored, or how many rows it deleted. */
const ANSWERS = {
  missing: {
    schema: z.object({ missing: z.array(z.string()) }),
    description: "Ids not stored",
  },
  deleted: {
    schema: z.object({ deleted: z.number().int() }),
    description: "How many were deleted",
  },
} as const;

/**
 * Adds a `POST <path>` route whose body is `{ ids }` and whose answer is the one value of a SQL
 * function called with those ids as JSON, under `answer` (`missing` or `deleted`). The missing
 * and delete routes of documents and chunks are all this shape.
 */
export function addIdListRoute(
  app: OpenAPIHono<AppEnv>,
  options: Pick<TenantRouteDeclaration, "access" | "audit"> & {
    path: string;
    operationId: string;
    tags: string[];
    summary: string;
    ids: z.ZodType<{ ids: string[] }>;
    /** The SQL function taking the ids as `json`. */
    sqlFunction: string;
    answer: keyof typeof ANSWERS;
  },
): void {
  const answer = ANSWERS[options.answer];
  app.openapi(
    tenantRoute({
      access: options.access,
      audit: options.audit,
      method: "post",
      path: options.path,
      operationId: options.operationId,
      tags: options.tags,
      summary: options.summary,
      request: { body: jsonRequestBody(options.ids) },
      responses: { 200: jsonResponse(answer.schema, answer.description) },
    }),
    async (c) => {
      const { ids } = c.req.valid("json");
      const value = await c.var.tenant.call<unknown>(
        `${options.sqlFunction}($1::text::json)`,
        [JSON.stringify(ids)],
      );
      // The SQL function's value is the answer's one field (an id list, or a count).
      const body = { [options.answer]: value } as z.infer<typeof answer.schema>;
      return c.json(body, 200);
    },
  );
}
