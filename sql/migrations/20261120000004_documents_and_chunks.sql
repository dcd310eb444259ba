-- Documents (LightRAG full_docs + doc_status) and their chunks (text_chunks + chunk vectors).
--
-- The embedding dimension is fixed at install from the setting pgrag.embedding_dim (default
-- 1536): `deno task db:migrate` sets it from PGRAG_EMBEDDING_DIM. Above 2000 dimensions
-- embeddings are stored as halfvec, the largest type pgvector's HNSW can index.

create table pgrag.documents (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  id text not null check (length(id) between 1 and 255),
  title text check (title is null or length(btrim(title)) > 0),
  content text not null check (length(btrim(content)) > 0),
  source text,
  file_path text,
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  content_hash text not null generated always as (md5(content)) stored,
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'processed', 'failed')),
  error_msg text,
  track_id text,
  chunks_count integer not null default 0 check (chunks_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
comment on table pgrag.documents is 'Source documents with their processing status, one row per (tenant, id).';
comment on column pgrag.documents.content_hash is 'md5 of content, to find re-sent content per tenant.';
create index documents_updated_idx on pgrag.documents (tenant_id, updated_at desc, id);
create index documents_created_idx on pgrag.documents (tenant_id, created_at desc, id);
create index documents_status_idx on pgrag.documents (tenant_id, status, updated_at desc, id);
create index documents_track_idx on pgrag.documents (tenant_id, track_id) where track_id is not null;
create index documents_file_path_idx on pgrag.documents (tenant_id, file_path) where file_path is not null;
create index documents_content_hash_idx on pgrag.documents (tenant_id, content_hash);

create table pgrag.chunks (
  tenant_id uuid not null,
  id text not null check (length(id) between 1 and 255),
  document_id text not null,
  chunk_index integer not null check (chunk_index >= 0),
  content text not null check (length(btrim(content)) > 0),
  tokens integer check (tokens >= 0),
  file_path text,
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  content_tsv tsvector not null generated always as (to_tsvector('english', content)) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, document_id) references pgrag.documents (tenant_id, id) on delete cascade
);
comment on table pgrag.chunks is 'Chunks of documents with their embeddings, one row per (tenant, id).';
comment on column pgrag.chunks.content_tsv is 'English full-text vector of content, for keyword search.';
create index chunks_document_idx on pgrag.chunks (tenant_id, document_id, chunk_index);
create index chunks_content_tsv_idx on pgrag.chunks using gin (content_tsv);

do $$
declare
  dimension integer := coalesce(nullif(current_setting('pgrag.embedding_dim', true), ''), '1536')::integer;
  vector_type text := case when dimension > 2000 then 'halfvec' else 'vector' end;
begin
  if dimension not between 1 and 4000 then
    raise exception 'pgrag.embedding_dim must be between 1 and 4000, got %', dimension
      using errcode = '22023';
  end if;
  insert into pgrag.settings (key, value)
  values ('embedding_dim', dimension::text), ('embedding_type', vector_type);
  execute format('alter table pgrag.chunks add column embedding %s(%s)', vector_type, dimension);
  execute format(
    'create index chunks_embedding_hnsw_idx on pgrag.chunks using hnsw (embedding %s_cosine_ops)',
    vector_type);
end
$$;
comment on column pgrag.chunks.embedding is 'Chunk embedding (vector, or halfvec above 2000 dimensions); null until attached.';
