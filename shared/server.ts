import { createApp } from "./app.ts";
import { parseConfig } from "./config.ts";
import { lazyDatabase } from "./db/open.ts";
import { readEnv } from "./env.ts";
import { logError } from "./log.ts";
import { scheduleMaintenance } from "./maintenance.ts";

/**
 * Wires the app to the environment: reads the configuration and opens the database in the
 * background, so the embedded database has migrated before the first request arrives. The
 * embedded database has no pg_cron, so this process keeps its statistics and partitions fresh.
 */
export function createServer() {
  const config = parseConfig(readEnv());
  const database = lazyDatabase(config);
  database().then(
    (db) => {
      if (config.driver === "pglite") {
        scheduleMaintenance(db, config.maintenanceIntervalSeconds * 1000);
      }
    },
    (error) => logError("database_open_failed", { driver: config.driver, message: String(error) }),
  );
  return { port: config.port, app: createApp({ config, database }) };
}
