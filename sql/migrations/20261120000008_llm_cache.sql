-- LightRAG's llm_response_cache: LLM answers keyed per tenant, so one tenant's prompts can never
-- answer another's.
create table pgrag.llm_cache (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  key text not null check (length(key) between 1 and 255),
  cache_type text not null check (length(cache_type) between 1 and 255),
  prompt text not null,
  response text not null,
  chunk_id text,
  params jsonb not null default '{}',
  hits bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, key)
);
comment on table pgrag.llm_cache is 'Cached LLM responses, one row per (tenant, key).';
comment on column pgrag.llm_cache.hits is 'Reads served from this entry.';
create index llm_cache_type_idx on pgrag.llm_cache (tenant_id, cache_type);
