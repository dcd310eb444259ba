/**
 * `deno task db:migrate`: applies pending migrations from sql/ to DATABASE_URL (or the embedded
 * database when it is unset), with PGRAG_EMBEDDING_DIM fixing the embedding dimension of a fresh
 * install.
 */
import { parseConfig } from "../shared/config.ts";
import { openDatabase } from "../shared/db/open.ts";
import { loadProjectMigrations, migrate } from "../shared/db/migrations.ts";
import { readEnv } from "../shared/env.ts";

const config = { ...parseConfig(readEnv()), migrateOnStart: false };
const db = await openDatabase(config);
try {
  const applied = await migrate(db, await loadProjectMigrations(), {
    embeddingDim: config.embeddingDim,
  });
  console.log(
    applied.length
      ? `applied ${applied.length} migration(s): ${applied.join(", ")}`
      : "the database is up to date",
  );
} finally {
  await db.close();
}
