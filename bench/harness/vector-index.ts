/**
 * The HNSW index on chunk embeddings: dropped while a database is loaded and built once
 * afterwards (one bulk build is far faster than inserting tens of thousands of rows into the
 * graph one by one), and dropped from the copies measured without it. The definition is read
 * from the catalog before the drop, so the index built again is exactly the one the project's
 * migrations created (its operator class, halfvec above 2000 dimensions, any parameters). Never
 * part of a timed measurement.
 */
import type postgres from "postgres";

/** Enough for pgvector to build the graph of ~100,000 1536-dimension vectors in memory. */
const BUILD_MEMORY = "2GB";

/** Drops the index and returns its definition, for buildVectorIndex. */
export async function dropVectorIndex(sql: postgres.Sql): Promise<string> {
  const [index] = await sql<{ name: string; definition: string }[]>`
    select indexname as name, indexdef as definition
      from pg_indexes
     where schemaname = 'pgrag' and tablename = 'chunks' and indexdef ilike '% using hnsw %'`;
  if (index === undefined) throw new Error("pgrag.chunks has no HNSW index to drop");
  await sql`drop index ${sql("pgrag." + index.name)}`;
  return index.definition;
}

/** Builds the index from its definition; returns the seconds it took. */
export async function buildVectorIndex(sql: postgres.Sql, definition: string): Promise<number> {
  const started = performance.now();
  await sql.begin(async (tx) => {
    // Transaction-local, so the connection goes back with the server's defaults.
    await tx`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, true)`;
    await tx.unsafe(definition);
  });
  return (performance.now() - started) / 1000;
}
