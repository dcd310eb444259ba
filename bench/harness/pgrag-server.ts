/**
 * The pgrag HTTP app served in this process on a random loopback port, with its database
 * connection pointed wherever the cell says (directly at PostgreSQL, or through the latency
 * proxy), so the only hop that gets latency is the one between pgrag and its database.
 */
import { Buffer } from "node:buffer";
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

/**
 * POSTs `body` as JSON to pgrag's API with an API key; returns the 200 answer's text and
 * headers, and throws with the answer otherwise.
 */
export async function postToApi(
  server: PgragServer,
  route: string,
  apiKey: string,
  body: unknown,
): Promise<{ text: string; headers: Headers }> {
  const response = await fetch(server.origin + route, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": apiKey },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`POST ${route} answered ${response.status}: ${text}`);
  }
  return { text, headers: response.headers };
}

/** An embedding as the API takes it: base64 of its float32 bytes, little-endian on every platform Deno runs on. */
export function embeddingBase64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");
}
