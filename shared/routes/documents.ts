import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { decodeCursor, encodeCursor, type PageKey } from "../http/cursor.ts";
import { Problem } from "../http/problem.ts";
import { callTenantFunction, tenantScope } from "../http/tenant.ts";
import { validationHook } from "../http/validation.ts";
import { documentSchemas } from "../schemas/documents.ts";
import { documentBatch, embeddingsApart } from "../storage/batches.ts";
import { DEFAULT_CHUNKING } from "../text/chunking.ts";
import { addIdListRoute } from "./id-list-routes.ts";
import { API_KEY_SECURITY, jsonBody, jsonContent, NOT_FOUND, TENANT_ERRORS } from "./openapi.ts";

const tags = ["documents"];
const security = API_KEY_SECURITY;

/** API §3: documents with their processing status (LightRAG full_docs + doc_status). */
export function documentRoutes(config: Config) {
  const s = documentSchemas(config);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/documents",
      tags,
      security,
      summary: "Upsert documents with their chunks",
      description: "Upserts by id (derived from the content when omitted). Documents sent " +
        "without chunks are chunked by cl100k tokens. A document ends up with exactly the chunks " +
        "of this request. All or nothing, one statement per table.",
      request: { body: jsonBody(s.UpsertDocuments) },
      responses: { 200: jsonContent(s.UpsertOutcome, "Per-document outcome"), ...TENANT_ERRORS },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const batch = documentBatch(
        body.documents,
        body.chunking
          ? { maxTokens: body.chunking.max_tokens, overlapTokens: body.chunking.overlap_tokens }
          : DEFAULT_CHUNKING,
      );
      const documents = await callTenantFunction<z.infer<typeof s.UpsertOutcome>["documents"]>(
        c,
        "writer",
        "pgrag.upsert_documents($1::text::json, $2::text::json, $3::text)",
        [JSON.stringify(batch.documents), ...embeddingsApart(batch.chunks)],
        { enforceBudget: true, idempotent: true },
      );
      return c.json({ documents }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/documents/status-counts",
      tags,
      security,
      summary: "Documents per processing status",
      responses: { 200: jsonContent(s.StatusCounts, "Counts"), ...TENANT_ERRORS },
    }),
    async (c) => {
      const counts = await callTenantFunction<z.infer<typeof s.StatusCounts>>(
        c,
        "reader",
        "pgrag.document_status_counts()",
      );
      return c.json(counts, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/documents",
      tags,
      security,
      summary: "List documents (without content), keyset-paginated",
      request: { query: s.ListQuery },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(s.DocumentSummary), next_cursor: z.string().nullable() }),
          "One page",
        ),
        ...TENANT_ERRORS,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const after = query.cursor ? decodeCursor(query.order, query.cursor) : null;
      const page = await callTenantFunction<{ items: unknown[]; next: PageKey | null }>(
        c,
        "reader",
        "pgrag.list_documents($1, $2, $3, $4, $5, $6, $7)",
        [
          query.status ?? null,
          query.track_id ?? null,
          query.file_path ?? null,
          query.order,
          after?.value ?? null,
          after?.id ?? null,
          query.limit,
        ],
      );
      const nextCursor = page.next ? encodeCursor(query.order, page.next) : null;
      return c.json({
        items: page.items as z.infer<typeof s.DocumentSummary>[],
        next_cursor: nextCursor,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/documents/{id}",
      tags,
      security,
      summary: "One document with its content and status",
      request: { params: s.IdParam },
      responses: { 200: jsonContent(s.Document, "The document"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const [document] = await callTenantFunction<(z.infer<typeof s.Document> | null)[]>(
        c,
        "reader",
        "pgrag.get_documents($1::text::json)",
        [JSON.stringify([id])],
      );
      if (!document) throw new Problem("not_found", `document ${id} does not exist`);
      return c.json(document, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/documents/{id}",
      tags,
      security,
      summary: "Delete a document with its chunks",
      request: { params: s.IdParam },
      responses: { 204: { description: "Deleted" }, ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const deleted = await callTenantFunction<number>(
        c,
        "writer",
        "pgrag.delete_documents($1::text::json)",
        [JSON.stringify([id])],
      );
      if (deleted === 0) throw new Problem("not_found", `document ${id} does not exist`);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/documents/get",
      tags,
      security,
      summary: "Documents by id, aligned with the request (null where missing)",
      request: { body: jsonBody(s.Ids) },
      responses: {
        200: jsonContent(z.object({ items: z.array(s.Document.nullable()) }), "Aligned items"),
        ...TENANT_ERRORS,
      },
    }),
    async (c) => {
      const { ids } = c.req.valid("json");
      const items = await callTenantFunction<(z.infer<typeof s.Document> | null)[]>(
        c,
        "reader",
        "pgrag.get_documents($1::text::json)",
        [JSON.stringify(ids)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/documents/{id}/status",
      tags,
      security,
      summary: "Set a document's processing status",
      request: { params: s.IdParam, body: jsonBody(s.StatusUpdate) },
      responses: { 200: jsonContent(s.Document, "The document"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const update = c.req.valid("json");
      const [, [read]] = await c.var.db.run(tenantScope(c, "writer"), [
        {
          text: "select pgrag.set_document_status($1, $2, $3, $4, $5::text::jsonb)",
          params: [
            id,
            update.status,
            update.error_msg ?? null,
            update.track_id ?? null,
            update.metadata ? JSON.stringify(update.metadata) : null,
          ],
        },
        {
          text: "select pgrag.get_documents($1::text::json) as result",
          params: [JSON.stringify([id])],
        },
      ]);
      const [document] = read.result as (z.infer<typeof s.Document> | null)[];
      if (!document) throw new Problem("not_found", `document ${id} does not exist`);
      return c.json(document, 200);
    },
  );

  addIdListRoute(app, {
    path: "/documents/delete",
    tags,
    summary: "Delete documents by id, with their chunks",
    ids: s.Ids,
    access: "writer",
    sqlFunction: "pgrag.delete_documents",
    answer: "deleted",
  });
  addIdListRoute(app, {
    path: "/documents/missing",
    tags,
    summary: "The ids of the request that are not stored",
    ids: s.Ids,
    access: "reader",
    sqlFunction: "pgrag.missing_documents",
    answer: "missing",
  });

  return app;
}
