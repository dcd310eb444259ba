import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { documentBatch, embeddingsApart } from "../batches/documents-and-chunks.ts";
import type { Config } from "../config.ts";
import type { EmbeddingServices } from "../embedding/services.ts";
import { decodeCursor, encodeCursor, type PageKey } from "../http/cursor.ts";
import { validationHook } from "../http/validation.ts";
import { documentSchemas } from "../schemas/documents.ts";
import { DEFAULT_CHUNKING } from "../text/chunking.ts";
import { embeddingMode } from "./embedding-mode.ts";
import { addIdListRoute } from "./id-list-routes.ts";
import { jsonRequestBody, jsonResponse, NOT_FOUND, QUOTA_ERRORS } from "./openapi.ts";
import { nullableItem } from "../schemas/fields.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["documents"];

/** API §3: documents with their processing status (LightRAG full_docs + doc_status). */
export function documentRoutes(config: Config, embedding: EmbeddingServices | null) {
  const s = documentSchemas(config);
  type Document = z.infer<typeof s.Document>;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "upsert",
      enforceBudget: true,
      method: "post",
      path: "/documents",
      operationId: "upsertDocuments",
      tags,
      summary: "Upsert documents with their chunks",
      description: "Upserts by id (derived from the content when omitted). Documents sent " +
        "without chunks are chunked by cl100k tokens. A document ends up with exactly the chunks " +
        "of this request. All or nothing, one statement per table. Chunks without an embedding " +
        "are embedded by the server's provider when it has one (`embedding`); the document is " +
        "`processed` once they all are.",
      request: { body: jsonRequestBody(s.UpsertDocuments) },
      responses: {
        200: jsonResponse(s.UpsertOutcome, "Per-document outcome"),
        ...QUOTA_ERRORS,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const batch = await documentBatch(
        body.documents,
        body.chunking
          ? { maxTokens: body.chunking.max_tokens, overlapTokens: body.chunking.overlap_tokens }
          : DEFAULT_CHUNKING,
      );
      const mode = embeddingMode(body.embedding, embedding);
      const documents = await c.var.tenant.call<z.infer<typeof s.UpsertOutcome>["documents"]>(
        "pgrag.upsert_documents($1::text::json, $2::text::json, $3::text)",
        [JSON.stringify(batch.documents), ...embeddingsApart(batch.chunks)],
        { before: mode.before },
      );
      mode.afterCommit();
      return c.json({ documents }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/documents/status-counts",
      operationId: "countDocumentsByStatus",
      tags,
      summary: "Documents per processing status",
      responses: { 200: jsonResponse(s.StatusCounts, "Counts") },
    }),
    async (c) => {
      const counts = await c.var.tenant.call<z.infer<typeof s.StatusCounts>>(
        "pgrag.document_status_counts()",
      );
      return c.json(counts, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/documents",
      operationId: "listDocuments",
      tags,
      summary: "List documents (without content), keyset-paginated",
      request: { query: s.ListQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(s.DocumentSummary), next_cursor: z.string().nullable() }),
          "One page",
        ),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const after = query.cursor ? decodeCursor(query.order, query.cursor) : null;
      const page = await c.var.tenant.call<{ items: unknown[]; next: PageKey | null }>(
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
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/documents/{id}",
      operationId: "getDocument",
      tags,
      summary: "One document with its content and status",
      request: { params: s.IdParam },
      responses: { 200: jsonResponse(s.Document, "The document"), ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const document = await c.var.tenant.call<Document>(
        "pgrag.get_documents($1::text::json) -> 0",
        [JSON.stringify([id])],
        { notFound: `document ${id} does not exist` },
      );
      return c.json(document, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "delete",
      method: "delete",
      path: "/documents/{id}",
      operationId: "deleteDocument",
      tags,
      summary: "Delete a document with its chunks",
      request: { params: s.IdParam },
      responses: { 204: { description: "Deleted" }, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await c.var.tenant.call("pgrag.delete_documents($1::text::json)", [JSON.stringify([id])], {
        notFound: `document ${id} does not exist`,
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/documents/get",
      operationId: "getDocuments",
      tags,
      summary: "Documents by id, aligned with the request (null where missing)",
      request: { body: jsonRequestBody(s.Ids) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(nullableItem(s.Document)) }), "Aligned items"),
      },
    }),
    async (c) => {
      const { ids } = c.req.valid("json");
      const items = await c.var.tenant.call<(Document | null)[]>(
        "pgrag.get_documents($1::text::json)",
        [JSON.stringify(ids)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "update",
      method: "patch",
      path: "/documents/{id}/status",
      operationId: "setDocumentStatus",
      tags,
      summary: "Set a document's processing status",
      request: { params: s.IdParam, body: jsonRequestBody(s.StatusUpdate) },
      responses: { 200: jsonResponse(s.Document, "The document"), ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const update = c.req.valid("json");
      // The document is read by a statement of its own: within the update's statement it would
      // still be read as it was before.
      const document = await c.var.tenant.call<Document>(
        "pgrag.get_documents($1::text::json) -> 0",
        [JSON.stringify([id])],
        {
          before: [{
            text: "select pgrag.set_document_status($1, $2, $3, $4, $5::text::jsonb)",
            params: [
              id,
              update.status,
              update.error_msg ?? null,
              update.track_id ?? null,
              update.metadata ? JSON.stringify(update.metadata) : null,
            ],
          }],
          notFound: `document ${id} does not exist`,
        },
      );
      return c.json(document, 200);
    },
  );

  addIdListRoute(app, {
    path: "/documents/delete",
    operationId: "deleteDocuments",
    tags,
    summary: "Delete documents by id, with their chunks",
    ids: s.Ids,
    access: "writer",
    audit: "delete",
    sqlFunction: "pgrag.delete_documents",
    answer: "deleted",
  });
  addIdListRoute(app, {
    path: "/documents/missing",
    operationId: "findMissingDocuments",
    tags,
    summary: "The ids of the request that are not stored",
    ids: s.Ids,
    access: "reader",
    audit: false,
    sqlFunction: "pgrag.missing_documents",
    answer: "missing",
  });

  return app;
}
