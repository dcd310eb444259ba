import type { Config } from "../config.ts";
import type { Database } from "./database.ts";
import { loadProjectSchema, migrate } from "./migrations.ts";

/**
 * Opens the database the configuration names, and migrates it when configured to. Drivers are
 * imported on demand so a deployment loads only the one it uses.
 */
export async function openDatabase(config: Config): Promise<Database> {
  const db = await connect(config);
  if (config.migrateOnStart) {
    try {
      await migrate(db, await loadProjectSchema(), { embeddingDim: config.embeddingDim });
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

async function connect(config: Config): Promise<Database> {
  const pool = {
    maxConnections: config.maxConnections,
    idleTimeoutSeconds: config.idleTimeoutSeconds,
    connectTimeoutSeconds: config.connectTimeoutSeconds,
    limits: config.databaseLimits,
  };
  switch (config.driver) {
    case "pglite": {
      const { openPglite } = await import("./pglite.ts");
      return await openPglite({ dataDir: config.dataDir, limits: config.databaseLimits });
    }
    case "postgres": {
      const { openPostgresJs } = await import("./postgres-js.ts");
      return openPostgresJs({
        url: requireUrl(config),
        ...pool,
        prepare: config.prepareStatements,
      });
    }
    case "neon": {
      const { openNeon } = await import("./neon.ts");
      return openNeon({
        url: requireUrl(config),
        ...pool,
        useHttp: config.neonUseHttp,
        wsProxy: config.neonWsProxy,
        httpEndpoint: config.neonHttpEndpoint,
      });
    }
  }
}

function requireUrl(config: Config): string {
  if (!config.databaseUrl) throw new Error(`the ${config.driver} driver needs DATABASE_URL`);
  return config.databaseUrl;
}

/**
 * Opens the database on first call and returns the same one after. A failed open is forgotten,
 * so the next call tries again instead of serving a broken handle forever.
 */
export function lazyDatabase(config: Config): () => Promise<Database> {
  let opening: Promise<Database> | undefined;
  return () => {
    opening ??= openDatabase(config).catch((error) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
}
