import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import {
  chunkBatch,
  embeddingParameters,
  embeddingsApart,
} from "../batches/documents-and-chunks.ts";
import type { Config } from "../config.ts";
import type { EmbeddingServices } from "../embedding/services.ts";
import { validationHook } from "../http/validation.ts";
import { chunkSchemas } from "../schemas/chunks.ts";
import { embeddingMode } from "./embedding-mode.ts";
import { addIdListRoute } from "./id-list-routes.ts";
import { jsonRequestBody, jsonResponse, NOT_FOUND } from "./openapi.ts";
import { nullableItem } from "../schemas/fields.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["chunks"];

/** API §4: chunks and their embeddings (LightRAG text_chunks + chunk vectors). */
export function chunkRoutes(config: Config, embedding: EmbeddingServices | null) {
  const s = chunkSchemas(config);
  type Chunk = z.infer<typeof s.Chunk>;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "upsert",
      method: "post",
      path: "/chunks",
      operationId: "upsertChunks",
      tags,
      summary: "Upsert chunks of existing documents",
      description: "One statement for the batch, all or nothing. A chunk that keeps its content " +
        "keeps its embedding when none is sent; one whose content changed loses it.",
      request: { body: jsonRequestBody(s.UpsertChunks) },
      responses: {
        200: jsonResponse(
          z.object({ upserted: z.number().int() }),
          "Chunks written; an unchanged chunk is not rewritten and not counted",
        ),
        ...NOT_FOUND,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const batch = chunkBatch(body.chunks);
      const mode = embeddingMode(body.embedding, embedding);
      const upserted = await c.var.tenant.call<number>(
        "pgrag.upsert_chunks($1::text::json, $2::text::json, $3::text)",
        [JSON.stringify(batch.documents), ...embeddingsApart(batch.chunks)],
        { before: mode.before },
      );
      mode.afterCommit();
      return c.json({ upserted }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/chunks/{id}",
      operationId: "getChunk",
      tags,
      summary: "One chunk (with its embedding when `include=embedding`)",
      request: { params: s.IdParam, query: s.IncludeQuery },
      responses: { 200: jsonResponse(s.Chunk, "The chunk"), ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { include } = c.req.valid("query");
      const chunk = await c.var.tenant.call<Chunk>(
        "pgrag.get_chunks($1::text::json, $2::text::boolean) -> 0",
        [JSON.stringify([id]), String(include === "embedding")],
        { notFound: `chunk ${id} does not exist` },
      );
      return c.json(chunk, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "post",
      path: "/chunks/get",
      operationId: "getChunks",
      tags,
      summary: "Chunks by id, aligned with the request (null where missing)",
      request: { body: jsonRequestBody(s.GetChunks) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(nullableItem(s.Chunk)) }), "Aligned items"),
      },
    }),
    async (c) => {
      const { ids, include_embedding } = c.req.valid("json");
      const items = await c.var.tenant.call<(Chunk | null)[]>(
        "pgrag.get_chunks($1::text::json, $2::text::boolean)",
        [JSON.stringify(ids), String(include_embedding)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "update",
      method: "put",
      path: "/chunks/embeddings",
      operationId: "setChunkEmbeddings",
      tags,
      summary: "Attach embeddings to existing chunks",
      request: { body: jsonRequestBody(s.SetEmbeddings) },
      responses: {
        200: jsonResponse(
          z.object({ updated: z.number().int() }),
          "Chunks whose embedding changed",
        ),
        ...NOT_FOUND,
      },
    }),
    async (c) => {
      const { items } = c.req.valid("json");
      const updated = await c.var.tenant.call<number>(
        "pgrag.set_chunk_embeddings($1::text::json, $2::text)",
        embeddingParameters(items),
      );
      return c.json({ updated }, 200);
    },
  );

  addIdListRoute(app, {
    path: "/chunks/missing",
    operationId: "findMissingChunks",
    tags,
    summary: "The ids of the request that are not stored",
    ids: s.Ids,
    access: "reader",
    audit: false,
    sqlFunction: "pgrag.missing_chunks",
    answer: "missing",
  });
  addIdListRoute(app, {
    path: "/chunks/delete",
    operationId: "deleteChunks",
    tags,
    summary: "Delete chunks by id",
    ids: s.Ids,
    access: "writer",
    audit: "delete",
    sqlFunction: "pgrag.delete_chunks",
    answer: "deleted",
  });

  return app;
}
