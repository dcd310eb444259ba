/**
 * `deno task db:migrate`: brings DATABASE_URL (or the embedded database when it is unset) to the
 * schema in sql/: the pending migrations of sql/migrations/, then the logic files of sql/logic/
 * that changed. PGRAG_EMBEDDING_DIM fixes the embedding dimension of a fresh install. This is how
 * Supabase is deployed too, with the database's direct connection string.
 */
import { parseConfig } from "../shared/config.ts";
import { openDatabase } from "../shared/db/open.ts";
import { loadProjectSchema, migrate } from "../shared/db/migrations.ts";
import { readEnv } from "../shared/env.ts";

const config = { ...parseConfig(readEnv()), migrateOnStart: false };
const db = await openDatabase(config);
try {
  const { versions, logic } = await migrate(db, await loadProjectSchema(), {
    embeddingDim: config.embeddingDim,
  });
  if (versions.length === 0 && logic.length === 0) console.log("the database is up to date");
  if (versions.length) {
    console.log(`applied ${versions.length} migration(s): ${versions.join(", ")}`);
  }
  if (logic.length) console.log(`applied ${logic.length} logic file(s): ${logic.join(", ")}`);
} finally {
  await db.close();
}
