/**
 * The HNSW index on chunk embeddings: dropped in the template while the preload is copied in
 * and built afterwards (one bulk build is far faster than inserting 50,000 rows into the graph
 * one by one), and dropped from the run copy for the cells without it. The definition is the
 * one the migrations create for a `vector` column. Never part of a timed path.
 */
import type postgres from "postgres";

const INDEX_NAME = "chunks_embedding_hnsw_idx";

/** Enough for pgvector to build the graph of ~60,000 1536-dimension vectors in memory. */
const BUILD_MEMORY = "2GB";

export async function hasVectorIndex(sql: postgres.Sql): Promise<boolean> {
  const rows = await sql`
    select 1 from pg_indexes where schemaname = 'pgrag' and indexname = ${INDEX_NAME}`;
  return rows.length > 0;
}

/** Brings the index to the wanted state; returns the seconds spent (0 when nothing to do). */
export async function setVectorIndex(sql: postgres.Sql, present: boolean): Promise<number> {
  if (present === await hasVectorIndex(sql)) return 0;
  const started = performance.now();
  if (present) {
    await sql.begin(async (tx) => {
      // Transaction-local, so the pooled connection goes back with the server's defaults.
      await tx`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, true)`;
      await tx`
        create index chunks_embedding_hnsw_idx on pgrag.chunks
        using hnsw (embedding vector_cosine_ops)`;
    });
  } else {
    await sql`drop index pgrag.chunks_embedding_hnsw_idx`;
  }
  return (performance.now() - started) / 1000;
}
