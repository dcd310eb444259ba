import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import type { EmbeddingServices } from "../embedding/services.ts";
import { Problem } from "../http/problem.ts";
import { validationHook } from "../http/validation.ts";
import { fieldSchemas } from "../schemas/fields.ts";
import { adminRouteDefiner } from "./admin-route.ts";
import { jsonRequestBody, jsonResponse, problemResponse } from "./openapi.ts";
import { tenantRoute } from "./tenant-route.ts";

const tags = ["embeddings"];
const NO_PROVIDER = {
  409: problemResponse("`conflict`: the server has no embedding provider"),
} as const;
/** The longest a drain may run, whatever the caller asks: a scheduler calls again. */
const MAX_DRAIN_MS = 600_000;

const QueueStatus = z.object({
  tenant_id: z.string(),
  provider: z.string().nullable().describe("the server's embedding provider; null without one"),
  model: z.string().nullable(),
  queued: z.number().int().describe("chunks waiting for their embedding (claimed ones included)"),
  claimed: z.number().int().describe("chunks a worker is embedding now"),
  failed: z.number().int().describe("chunks whose attempts are spent; `POST` queues them again"),
  oldest_enqueued_at: z.string().nullable(),
}).openapi("EmbeddingQueueStatus");

const Drained = z.object({
  claimed: z.number().int(),
  embedded: z.number().int(),
  failed: z.number().int().describe("chunks that failed for good (their documents are failed)"),
  retried: z.number().int().describe("chunks put back to be tried again later"),
  paused: z.number().int().describe("tenants skipped because their enforced budget is spent"),
  texts: z.number().int().describe("distinct texts sent to the provider"),
  duration_ms: z.number(),
}).openapi("EmbeddingDrain");

/**
 * The embedding queue (sql/logic/35_embedding_queue.sql): each tenant sees and refills its own;
 * the operator drains it on demand, which is how a scheduler without a resident worker (pg_cron
 * with pg_net on Supabase, a cron job elsewhere) keeps documents embedded.
 */
export function embeddingRoutes(config: Config, embedding: EmbeddingServices | null) {
  const { idList } = fieldSchemas(config.limits);
  const adminRoute = adminRouteDefiner(config.adminKey);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    tenantRoute({
      access: "reader",
      audit: false,
      method: "get",
      path: "/embeddings/queue",
      operationId: "getEmbeddingQueue",
      tags,
      summary: "The tenant's chunks waiting for the embedding provider",
      responses: { 200: jsonResponse(QueueStatus, "The tenant's queue") },
    }),
    async (c) => {
      const status = await c.var.tenant.call<Omit<z.infer<typeof QueueStatus>, "provider">>(
        "pgrag.embedding_queue_status()",
      );
      return c.json({
        ...status,
        provider: embedding?.provider.name ?? null,
        model: embedding?.provider.model ?? null,
      }, 200);
    },
  );

  app.openapi(
    tenantRoute({
      access: "writer",
      audit: "update",
      method: "post",
      path: "/embeddings/queue",
      operationId: "queueMissingEmbeddings",
      tags,
      summary: "Queue the chunks that have no embedding (failed ones again)",
      description: "For chunks stored before the server had a provider, or stored with " +
        "`embedding: none`, and for chunks whose embedding failed: each goes back to the queue, " +
        "its document to `pending`.",
      request: {
        body: jsonRequestBody(
          z.strictObject({
            document_ids: idList.optional().describe("only these documents' chunks"),
          }).openapi("QueueEmbeddings"),
        ),
      },
      responses: {
        200: jsonResponse(
          z.object({ queued: z.number().int() }),
          "Chunks queued (a chunk already waiting is not counted)",
        ),
        ...NO_PROVIDER,
      },
    }),
    async (c) => {
      const services = withProvider(embedding);
      const { document_ids } = c.req.valid("json");
      const queued = await c.var.tenant.call<number>(
        "pgrag.queue_missing_embeddings(case when $1::text is null then null " +
          "else array(select json_array_elements_text($1::text::json)) end)",
        [document_ids ? JSON.stringify(document_ids) : null],
      );
      services.wake();
      return c.json({ queued }, 200);
    },
  );

  app.openapi(
    adminRoute({
      method: "post",
      path: "/admin/embeddings/drain",
      operationId: "drainEmbeddings",
      summary: "Embed queued chunks of every tenant now, for up to `max_ms`",
      description: "What a scheduler calls where no worker runs in the server's process " +
        "(PGRAG_EMBEDDING_WORKERS=0, such as an edge function): it claims and embeds until the " +
        "queue has no due work or the time is up, and says what it did.",
      request: {
        body: jsonRequestBody(
          z.strictObject({
            max_ms: z.number().int().min(1).max(MAX_DRAIN_MS).default(20_000),
          }).openapi("DrainEmbeddings"),
        ),
      },
      responses: { 200: jsonResponse(Drained, "What the drain did"), ...NO_PROVIDER },
    }),
    async (c) => {
      const services = withProvider(embedding);
      const started = performance.now();
      // Within the request's own deadline too, so the answer comes before the client gives up.
      const deadline = Math.min(started + c.req.valid("json").max_ms, c.var.deadline.at - 1_000);
      const report = await services.drain(deadline, c.var.deadline.signal);
      return c.json({ ...report, duration_ms: Math.round(performance.now() - started) }, 200);
    },
  );

  return app;
}

/** The services of the server's provider; 409 where the server has none. */
function withProvider(embedding: EmbeddingServices | null): EmbeddingServices {
  if (!embedding) {
    throw new Problem(
      "conflict",
      "this server has no embedding provider (PGRAG_EMBEDDING_PROVIDER) to embed with",
    );
  }
  return embedding;
}
