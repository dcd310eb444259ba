-- The knowledge graph (LightRAG's graph storage) in two plain tables under the tenant policies:
-- entities, and the undirected relations between them. Writes are set-based (one statement per
-- batch), traversals are SQL over B-tree indexes, and nothing depends on a graph extension, so
-- the graph lives wherever PostgreSQL and pgvector do.
--
-- Entities have a surrogate bigint id beside their name: relations reference two integers
-- instead of two names of up to 255 characters, which keeps the edge indexes small and the
-- traversals' joins cheap, and renaming stays possible later. Every key starts with tenant_id.

create table pgrag.entities (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  id bigint generated always as identity,
  name text not null check (length(name) between 1 and 255),
  entity_type text,
  description text,
  source_chunk_ids text[] not null default '{}',
  file_path text,
  properties jsonb not null default '{}' check (jsonb_typeof(properties) = 'object'),
  -- Kept by the relation triggers below, so degree and "most connected" never count edges.
  degree integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, name)
);
comment on table pgrag.entities is 'Knowledge graph entities, one row per (tenant, name).';
comment on column pgrag.entities.degree is 'Number of relations of the entity, kept by triggers.';
comment on column pgrag.entities.source_chunk_ids is 'Chunks the entity was extracted from.';
create index entities_degree_idx on pgrag.entities (tenant_id, degree desc, name);
create index entities_name_trgm_idx on pgrag.entities using gin (name gin_trgm_ops);
create index entities_source_chunks_idx on pgrag.entities using gin (source_chunk_ids);

-- An undirected edge is stored once, from the smaller entity id to the larger, so (a, b) and
-- (b, a) meet on the primary key. The two B-tree indexes serve "edges of x" from either side.
create table pgrag.relations (
  tenant_id uuid not null,
  source_id bigint not null,
  target_id bigint not null,
  description text,
  keywords text,
  -- Null until a weight is sent; read as 1. (An upsert must tell "not sent" from a value to keep
  -- the stored weight, and ON CONFLICT sees only the proposed row.)
  weight double precision check (weight is null or weight between -1e300 and 1e300),
  source_chunk_ids text[] not null default '{}',
  file_path text,
  properties jsonb not null default '{}' check (jsonb_typeof(properties) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, source_id, target_id),
  check (source_id < target_id),
  foreign key (tenant_id, source_id) references pgrag.entities (tenant_id, id) on delete cascade,
  foreign key (tenant_id, target_id) references pgrag.entities (tenant_id, id) on delete cascade
);
comment on table pgrag.relations is
  'Undirected knowledge graph relations, stored once as (smaller entity id, larger entity id).';
create index relations_target_idx on pgrag.relations (tenant_id, target_id, source_id);
create index relations_source_chunks_idx on pgrag.relations using gin (source_chunk_ids);

-- Optional embeddings of entities and relations, of the chunks' type and dimension.
do $$
declare
  vector_type text := (select value from pgrag.settings where key = 'embedding_type');
  dimension text := (select value from pgrag.settings where key = 'embedding_dim');
begin
  execute format('alter table pgrag.entities add column embedding %s(%s)', vector_type, dimension);
  execute format('alter table pgrag.relations add column embedding %s(%s)', vector_type, dimension);
  execute format('create index entities_embedding_hnsw_idx on pgrag.entities '
                 'using hnsw (embedding %s_cosine_ops)', vector_type);
  execute format('create index relations_embedding_hnsw_idx on pgrag.relations '
                 'using hnsw (embedding %s_cosine_ops)', vector_type);
end
$$;
-- How many rows of a tenant have an embedding, counted from these without touching the table.
create index entities_embedded_idx on pgrag.entities (tenant_id) where embedding is not null;
create index relations_embedded_idx on pgrag.relations (tenant_id) where embedding is not null;
