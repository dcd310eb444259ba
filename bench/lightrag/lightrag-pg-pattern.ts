/**
 * The other side of `deno task bench lightrag`: the same ingest written the way LightRAG's own
 * PostgreSQL storages write it (lightrag/kg/postgres_impl.py: PGKVStorage.upsert and
 * PGVectorStorage.upsert send one INSERT ... ON CONFLICT per record, PGDocStatusStorage the
 * same), on tables shaped like LightRAG's, keyed by (workspace, id). Re-expressed here from the
 * call pattern, not copied: what matters is one statement per record over a small pool.
 */
import type postgres from "postgres";
import type { PlannedDocument } from "./plan.ts";
import { fakeEmbedding } from "./plan.ts";

const PARALLEL_DOCUMENTS = 2;
const WORKSPACE = "bench";

export async function createLightragTables(sql: postgres.Sql, dimension: number) {
  await sql.unsafe(`
    drop schema if exists lightrag_bench cascade;
    create schema lightrag_bench;
    create table lightrag_bench.doc_full (workspace text, id text, content text, file_path text,
      create_time timestamptz default now(), update_time timestamptz, primary key (workspace, id));
    create table lightrag_bench.doc_chunks (workspace text, id text, full_doc_id text,
      chunk_order_index int, tokens int, content text, create_time timestamptz default now(),
      update_time timestamptz, primary key (workspace, id));
    create table lightrag_bench.vdb_chunks (workspace text, id text, full_doc_id text,
      chunk_order_index int, tokens int, content text, content_vector vector(${dimension}),
      create_time timestamptz default now(), update_time timestamptz, primary key (workspace, id));
    create index on lightrag_bench.vdb_chunks using hnsw (content_vector vector_cosine_ops);
    create table lightrag_bench.llm_cache (workspace text, id text, original_prompt text,
      return_value text, chunk_id text, cache_type text, create_time timestamptz default now(),
      update_time timestamptz, primary key (workspace, id));
    create table lightrag_bench.doc_status (workspace text, id text, status text,
      content_length int, chunks_count int, file_path text, created_at timestamptz default now(),
      updated_at timestamptz, primary key (workspace, id));`);
}

/** Writes the plan; returns the rows written and the seconds it took. */
export async function ingestAsLightrag(
  sql: postgres.Sql,
  documents: readonly PlannedDocument[],
  dimension: number,
): Promise<{ rows: number; seconds: number }> {
  let rows = 0;
  const started = performance.now();
  for (const d of documents) {
    await sql`insert into lightrag_bench.doc_full (workspace, id, content, file_path)
      values (${WORKSPACE}, ${d.id}, ${d.content}, ${d.id})
      on conflict (workspace, id) do update set content = excluded.content,
        file_path = excluded.file_path, update_time = now()`;
    await status(sql, d, "pending");
    rows += 2;
  }
  const queue = [...documents];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      await status(sql, d, "processing");
      const vectors = d.chunks.map((chunk) => fakeEmbedding(chunk.content, dimension));
      await Promise.all([
        (async () => {
          for (const [i, c] of d.chunks.entries()) {
            await sql`insert into lightrag_bench.vdb_chunks (workspace, id, full_doc_id,
                chunk_order_index, tokens, content, content_vector)
              values (${WORKSPACE}, ${c.id}, ${d.id}, ${c.index}, ${c.tokens}, ${c.content},
                      ${`[${vectors[i].join(",")}]`})
              on conflict (workspace, id) do update set content = excluded.content,
                content_vector = excluded.content_vector, update_time = now()`;
          }
        })(),
        (async () => {
          for (const c of d.chunks) {
            await sql`insert into lightrag_bench.doc_chunks (workspace, id, full_doc_id,
                chunk_order_index, tokens, content)
              values (${WORKSPACE}, ${c.id}, ${d.id}, ${c.index}, ${c.tokens}, ${c.content})
              on conflict (workspace, id) do update set content = excluded.content,
                update_time = now()`;
          }
        })(),
      ]);
      for (const c of d.chunks) {
        await sql`insert into lightrag_bench.llm_cache (workspace, id, original_prompt,
            return_value, chunk_id, cache_type)
          values (${WORKSPACE}, ${`extract-${c.id}`}, ${c.content},
                  ${"(entity extraction answer)"}, ${c.id}, ${"extract"})
          on conflict (workspace, id) do update set return_value = excluded.return_value,
            update_time = now()`;
      }
      await status(sql, d, "processed");
      rows += 2 + 3 * d.chunks.length;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_DOCUMENTS }, worker));
  return { rows, seconds: (performance.now() - started) / 1000 };
}

function status(sql: postgres.Sql, d: PlannedDocument, state: string) {
  return sql`insert into lightrag_bench.doc_status (workspace, id, status, content_length,
      chunks_count, file_path)
    values (${WORKSPACE}, ${d.id}, ${state}, ${d.content.length}, ${d.chunks.length}, ${d.id})
    on conflict (workspace, id) do update set status = excluded.status,
      chunks_count = excluded.chunks_count, updated_at = now()`;
}
