import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import { Problem } from "../http/problem.ts";
import { callTenantFunction } from "../http/tenant.ts";
import { validationHook } from "../http/validation.ts";
import { chunkSchemas } from "../schemas/chunks.ts";
import { chunkBatch, embeddingParameters, embeddingsApart } from "../storage/batches.ts";
import { addIdListRoute } from "./id-list-routes.ts";
import { API_KEY_SECURITY, jsonBody, jsonContent, NOT_FOUND, TENANT_ERRORS } from "./openapi.ts";

const tags = ["chunks"];
const security = API_KEY_SECURITY;

/** API §4: chunks and their embeddings (LightRAG text_chunks + chunk vectors). */
export function chunkRoutes(config: Config) {
  const s = chunkSchemas(config);
  type Chunk = z.infer<typeof s.Chunk>;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/chunks",
      tags,
      security,
      summary: "Upsert chunks of existing documents",
      description: "One statement for the batch, all or nothing. A chunk that keeps its content " +
        "keeps its embedding when none is sent; one whose content changed loses it.",
      request: { body: jsonBody(s.UpsertChunks) },
      responses: {
        200: jsonContent(z.object({ upserted: z.number().int() }), "Rows written"),
        ...TENANT_ERRORS,
        ...NOT_FOUND,
      },
    }),
    async (c) => {
      const batch = chunkBatch(c.req.valid("json").chunks);
      await callTenantFunction<number>(
        c,
        "writer",
        "pgrag.upsert_chunks($1::text::json, $2::text::json, $3::text)",
        [JSON.stringify(batch.documents), ...embeddingsApart(batch.chunks)],
        { idempotent: true },
      );
      return c.json({ upserted: batch.chunks.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/chunks/{id}",
      tags,
      security,
      summary: "One chunk (with its embedding when `include=embedding`)",
      request: { params: s.IdParam, query: s.IncludeQuery },
      responses: { 200: jsonContent(s.Chunk, "The chunk"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { include } = c.req.valid("query");
      const [chunk] = await callTenantFunction<(Chunk | null)[]>(
        c,
        "reader",
        "pgrag.get_chunks($1::text::json, $2::text::boolean)",
        [JSON.stringify([id]), String(include === "embedding")],
      );
      if (!chunk) throw new Problem("not_found", `chunk ${id} does not exist`);
      return c.json(chunk, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/chunks/get",
      tags,
      security,
      summary: "Chunks by id, aligned with the request (null where missing)",
      request: { body: jsonBody(s.GetChunks) },
      responses: {
        200: jsonContent(z.object({ items: z.array(s.Chunk.nullable()) }), "Aligned items"),
        ...TENANT_ERRORS,
      },
    }),
    async (c) => {
      const { ids, include_embedding } = c.req.valid("json");
      const items = await callTenantFunction<(Chunk | null)[]>(
        c,
        "reader",
        "pgrag.get_chunks($1::text::json, $2::text::boolean)",
        [JSON.stringify(ids), String(include_embedding)],
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/chunks/embeddings",
      tags,
      security,
      summary: "Attach embeddings to existing chunks",
      request: { body: jsonBody(s.SetEmbeddings) },
      responses: {
        200: jsonContent(z.object({ updated: z.number().int() }), "Chunks whose embedding changed"),
        ...TENANT_ERRORS,
        ...NOT_FOUND,
      },
    }),
    async (c) => {
      const { items } = c.req.valid("json");
      const updated = await callTenantFunction<number>(
        c,
        "writer",
        "pgrag.set_chunk_embeddings($1::text::json, $2::text)",
        embeddingParameters(items),
      );
      return c.json({ updated }, 200);
    },
  );

  addIdListRoute(app, {
    path: "/chunks/missing",
    tags,
    summary: "The ids of the request that are not stored",
    ids: s.Ids,
    access: "reader",
    sqlFunction: "pgrag.missing_chunks",
    answer: "missing",
  });
  addIdListRoute(app, {
    path: "/chunks/delete",
    tags,
    summary: "Delete chunks by id",
    ids: s.Ids,
    access: "writer",
    sqlFunction: "pgrag.delete_chunks",
    answer: "deleted",
  });

  return app;
}
