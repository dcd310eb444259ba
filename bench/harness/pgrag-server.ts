/**
 * The pgrag HTTP app served in this process on a random loopback port, with its database
 * connection pointed wherever the cell says (directly at PostgreSQL, or through the latency
 * proxy), so the only hop that gets latency is the one between pgrag and its database.
 */
import { Buffer } from "node:buffer";
import { createPgragClient, type paths } from "../../clients/typescript/mod.ts";
import { createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";

export interface PgragServer {
  /** e.g. `http://127.0.0.1:41234` */
  readonly origin: string;
  close(): Promise<void>;
}

/** Large enough for a 500-chunk batch of 1536-dimension embeddings (about 5 MB as JSON). */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export function startPgragServer(databaseUrl: string, embeddingDim: number): PgragServer {
  const config = parseConfig({
    DATABASE_URL: databaseUrl,
    PGRAG_EMBEDDING_DIM: String(embeddingDim),
    PGRAG_BODY_LIMIT: String(BODY_LIMIT_BYTES),
  });
  const db = openPostgresJs({
    url: databaseUrl,
    maxConnections: 4,
    idleTimeoutSeconds: 10,
    connectTimeoutSeconds: 5,
  });
  const app = createApp({ config, database: () => Promise.resolve(db) });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      await server.shutdown();
      await db.close();
    },
  };
}

/** The routes the benchmarks post to, and the body each takes (from the typed client's types). */
type BenchRoute = "/documents" | "/search";
type RequestBody<R extends BenchRoute> = NonNullable<
  paths[R]["post"]["requestBody"]
>["content"]["application/json"];

/**
 * POSTs `body` to pgrag's API through the typed client with an API key; returns the 200
 * answer's text (parsed by the caller, outside what it times when it wants) and headers, and
 * throws with the answer otherwise.
 */
export async function postToApi<R extends BenchRoute>(
  server: PgragServer,
  route: R,
  apiKey: string,
  body: RequestBody<R>,
): Promise<{ text: string; headers: Headers }> {
  const client = createPgragClient({ baseUrl: `${server.origin}/rag/v1`, apiKey });
  // deno-lint-ignore no-explicit-any
  const answer = await client.POST(route as any, { body: body as any, parseAs: "text" });
  const text = (answer.data ?? answer.error ?? "") as string;
  if (answer.response.status !== 200) {
    throw new Error(`POST ${route} answered ${answer.response.status}: ${text}`);
  }
  return { text, headers: answer.response.headers };
}

/** An embedding as the API takes it: base64 of its float32 bytes, little-endian on every platform Deno runs on. */
export function embeddingBase64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");
}
