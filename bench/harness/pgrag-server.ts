/**
 * The pgrag HTTP app served in this process on a random loopback port, with its database
 * connection pointed wherever the cell says (directly at PostgreSQL, or through the latency
 * proxy), so the only hop that gets latency is the one between pgrag and its database.
 */
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
