-- LightRAG's key-value namespaces (full_docs, text_chunks, full_entities, doc_status, ...) and
-- vector namespaces (chunks, entities, relationships) as LightRAG addresses them: by namespace
-- and client id, one row per (tenant, namespace, id). The adapter in clients/python/ keeps
-- LightRAG's own records in them unchanged, so any namespace a LightRAG release adds works.
create table pgrag.kv_entries (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  namespace text not null check (namespace ~ '^[a-z][a-z0-9_]{0,63}$'),
  id text not null check (length(id) between 1 and 255),
  value jsonb not null check (jsonb_typeof(value) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, namespace, id)
);
comment on table pgrag.kv_entries is
  'LightRAG key-value records, one per (tenant, namespace, id); value is the record as sent.';
-- Doc-status queries filter on these fields of the record.
create index kv_entries_status_idx on pgrag.kv_entries
  (tenant_id, namespace, (value ->> 'status'), updated_at);
create index kv_entries_track_idx on pgrag.kv_entries (tenant_id, namespace, (value ->> 'track_id'));
create index kv_entries_file_idx on pgrag.kv_entries (tenant_id, namespace, (value ->> 'file_path'));

create table pgrag.namespace_vectors (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  namespace text not null check (namespace ~ '^[a-z][a-z0-9_]{0,63}$'),
  id text not null check (length(id) between 1 and 255),
  content text not null default '',
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, namespace, id)
);
comment on table pgrag.namespace_vectors is
  'LightRAG vector records (chunks, entities, relationships), one per (tenant, namespace, id).';
-- delete_entity / delete_entity_relation find rows by these metadata fields.
create index namespace_vectors_entity_idx on pgrag.namespace_vectors
  (tenant_id, namespace, (metadata ->> 'entity_name'));
create index namespace_vectors_src_idx on pgrag.namespace_vectors
  (tenant_id, namespace, (metadata ->> 'src_id'));
create index namespace_vectors_tgt_idx on pgrag.namespace_vectors
  (tenant_id, namespace, (metadata ->> 'tgt_id'));

-- The embedding is of the chunks' type and dimension, like every other vector of the schema.
do $$
declare
  vector_type text := (select value from pgrag.settings where key = 'embedding_type');
  dimension text := (select value from pgrag.settings where key = 'embedding_dim');
begin
  execute format('alter table pgrag.namespace_vectors add column embedding %s(%s) not null',
                 vector_type, dimension);
  execute format('create index namespace_vectors_embedding_hnsw_idx on pgrag.namespace_vectors '
                 'using hnsw (embedding %s_cosine_ops)', vector_type);
end
$$;
