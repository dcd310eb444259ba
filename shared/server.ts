import { createApp } from "./app.ts";
import { parseConfig } from "./config.ts";
import { lazyDatabase } from "./db/open.ts";
import { selectEmbeddingProvider } from "./embedding/select.ts";
import { EmbeddingServices } from "./embedding/services.ts";
import { readEnv } from "./env.ts";
import { logError } from "./log.ts";
import { scheduleMaintenance } from "./maintenance.ts";
import { useStaticFolder } from "./static/files.ts";

/**
 * Wires the app to the environment: reads the configuration, chooses the embedding provider
 * (a provider that does not fit the database stops the start here) and opens the database in
 * the background, so the embedded database has migrated before the first request arrives. The
 * embedded database has no pg_cron, so this process keeps its statistics and partitions fresh;
 * with a provider, it also works the embedding queue. `staticFolder` is where the entrypoint's
 * deployment keeps its static files (see static/files.ts).
 */
export async function createServer(options: { staticFolder?: URL } = {}) {
  const config = parseConfig(readEnv());
  useStaticFolder(config.staticDir ? folderUrl(config.staticDir) : options.staticFolder);
  const database = lazyDatabase(config);
  const provider = await selectEmbeddingProvider(config);
  const embedding = provider ? new EmbeddingServices(provider, database, config.embedding) : null;
  database().then(
    (db) => {
      if (config.driver === "pglite") {
        scheduleMaintenance(db, config.maintenanceIntervalSeconds * 1000);
      }
      return embedding?.start();
    },
    (error) => logError("database_open_failed", { driver: config.driver, message: String(error) }),
  ).catch((error) => logError("embedding_worker_start_failed", { message: String(error) }));
  return { port: config.port, app: createApp({ config, database, embedding }) };
}

/** A folder's path, relative to the working directory or absolute, as a URL ending in `/`. */
function folderUrl(path: string): URL {
  return new URL(path.endsWith("/") ? path : `${path}/`, `file://${Deno.cwd()}/`);
}
