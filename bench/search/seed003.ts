/**
 * The reference design the search benchmark compares pgrag with: seed 003's `documents` table,
 * its indexes and its `hybrid_search` function, reproduced as the seed gives them (its comments
 * left out) in a schema of their own, `seed003`, holding the same rows as pgrag.chunks. Two
 * changes only: every table name is schema-qualified, and one cast. Verbatim, the function
 * fails on PostgreSQL 17 at its first call ("structure of query does not match function result
 * type": ts_rank_cd returns real where the function declares FLOAT), so bm25_score is cast to
 * FLOAT where `combined` builds it; that changes no plan and no cost.
 */
import type postgres from "postgres";

const SCHEMA = "seed003";

const TABLE = `
CREATE SCHEMA ${SCHEMA};
CREATE TABLE ${SCHEMA}.documents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    source TEXT,
    embedding vector(1536),
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT documents_title_not_empty CHECK (length(trim(title)) > 0),
    CONSTRAINT documents_content_not_empty CHECK (length(trim(content)) > 0)
);`;

const INDEXES = `
CREATE INDEX idx_documents_tenant_id
    ON ${SCHEMA}.documents(tenant_id);
CREATE INDEX idx_documents_tenant_created
    ON ${SCHEMA}.documents(tenant_id, created_at DESC);
CREATE INDEX idx_documents_embedding
    ON ${SCHEMA}.documents
    USING ivfflat (embedding vector_cosine_ops)
    WITH (lists = 100);
CREATE INDEX idx_documents_content_fts
    ON ${SCHEMA}.documents
    USING gin(to_tsvector('english', content));
CREATE INDEX idx_documents_title_fts
    ON ${SCHEMA}.documents
    USING gin(to_tsvector('english', title));
CREATE INDEX idx_documents_metadata
    ON ${SCHEMA}.documents
    USING gin(metadata);
CREATE INDEX idx_documents_source
    ON ${SCHEMA}.documents(source)
    WHERE source IS NOT NULL;`;

const FUNCTION = `
CREATE OR REPLACE FUNCTION ${SCHEMA}.hybrid_search(
    p_tenant_id UUID,
    p_query TEXT,
    p_query_embedding vector,
    p_limit INTEGER DEFAULT 10,
    p_bm25_weight FLOAT DEFAULT 0.5,
    p_vector_weight FLOAT DEFAULT 0.5
)
RETURNS TABLE (
    id UUID,
    title TEXT,
    content TEXT,
    combined_score FLOAT,
    bm25_score FLOAT,
    vector_score FLOAT
) AS $$
BEGIN
    RETURN QUERY
    WITH bm25_results AS (
        SELECT
            d.id,
            ts_rank_cd(
                to_tsvector('english', d.content),
                plainto_tsquery('english', p_query)
            ) AS bm25_score,
            ROW_NUMBER() OVER (
                ORDER BY ts_rank_cd(
                    to_tsvector('english', d.content),
                    plainto_tsquery('english', p_query)
                ) DESC
            ) AS bm25_rank
        FROM ${SCHEMA}.documents d
        WHERE d.tenant_id = p_tenant_id
          AND to_tsvector('english', d.content) @@ plainto_tsquery('english', p_query)
    ),
    vector_results AS (
        SELECT
            d.id,
            1 - (d.embedding <=> p_query_embedding) AS vector_score,
            ROW_NUMBER() OVER (
                ORDER BY d.embedding <=> p_query_embedding
            ) AS vector_rank
        FROM ${SCHEMA}.documents d
        WHERE d.tenant_id = p_tenant_id
          AND d.embedding IS NOT NULL
    ),
    combined AS (
        SELECT
            COALESCE(b.id, v.id) AS id,
            (
                COALESCE(1.0 / (60 + b.bm25_rank), 0) * p_bm25_weight +
                COALESCE(1.0 / (60 + v.vector_rank), 0) * p_vector_weight
            ) AS combined_score,
            COALESCE(b.bm25_score, 0)::FLOAT AS bm25_score,
            COALESCE(v.vector_score, 0) AS vector_score
        FROM bm25_results b
        FULL OUTER JOIN vector_results v ON b.id = v.id
    )
    SELECT
        d.id,
        d.title,
        d.content,
        c.combined_score,
        c.bm25_score,
        c.vector_score
    FROM combined c
    JOIN ${SCHEMA}.documents d ON d.id = c.id
    ORDER BY c.combined_score DESC
    LIMIT p_limit;
END;
$$ LANGUAGE plpgsql STABLE;`;

/** The seed's id of a pgrag chunk `c000042`: a UUID ending in the same number. */
const SEED_ID = `('00000000-0000-4000-8000-' || lpad(substr(c.id, 2), 12, '0'))::uuid`;

/**
 * Creates the seed's schema holding a copy of every pgrag chunk (its document's title as the
 * title), then the seed's indexes over the full table (the IVFFlat lists are trained on the
 * data, so they must come after it) and its function. Returns the seconds spent.
 */
export async function createSeed003(sql: postgres.Sql): Promise<number> {
  const started = performance.now();
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql.unsafe(TABLE);
  await sql.unsafe(`
    insert into ${SCHEMA}.documents (id, tenant_id, title, content, embedding, metadata)
    select ${SEED_ID}, c.tenant_id, d.title, c.content, c.embedding, c.metadata
      from pgrag.chunks c
      join pgrag.documents d on d.tenant_id = c.tenant_id and d.id = c.document_id`);
  await sql.begin(async (tx) => {
    // Transaction-local, like the HNSW build's: the IVFFlat k-means wants the memory too.
    await tx`select set_config('maintenance_work_mem', '2GB', true)`;
    await tx.unsafe(INDEXES);
  });
  await sql.unsafe(FUNCTION);
  return (performance.now() - started) / 1000;
}

/** Calls the seed's function as its design does: the tenant as a parameter, default weights. */
export async function seed003Search(
  sql: postgres.Sql,
  tenantId: string,
  queryText: string,
  queryVector: string,
  limit: number,
): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from ${sql(SCHEMA)}.hybrid_search(
      ${tenantId}::uuid, ${queryText}, ${queryVector}::vector, ${limit})`;
  return rows.map((row) => row.id);
}
