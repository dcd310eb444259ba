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
      const { openPglite } = await importEmbeddedDriver();
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

/**
 * The embedded driver carries PGlite (3 MB of JavaScript and WebAssembly). Its specifier is
 * computed so that bundlers (Supabase's, `deno bundle`) cannot follow it: a deployment to an edge
 * platform, which always has a DATABASE_URL, ships without it, while a local run loads it from
 * the source tree. tests/unit/bundle.test.ts checks that the bundle stays free of it.
 */
async function importEmbeddedDriver(): Promise<typeof import("./pglite.ts")> {
  const specifier = new URL(["pglite", "ts"].join("."), import.meta.url).href;
  try {
    return await import(/* @vite-ignore */ specifier);
  } catch (error) {
    throw new Error(
      "the embedded database is not part of this deployment (a bundle leaves it out); " +
        "set DATABASE_URL to a PostgreSQL with pgvector",
      { cause: error },
    );
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
