-- Tenants (LightRAG's workspaces) with their quotas, and the API keys issued to them.
create table pgrag.tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  settings jsonb not null default '{}' check (jsonb_typeof(settings) = 'object'),
  max_documents integer check (max_documents >= 0),
  max_storage_mb integer check (max_storage_mb >= 0),
  monthly_budget_usd numeric(10, 2) check (monthly_budget_usd >= 0),
  status text not null default 'active' check (status in ('active', 'suspended', 'deleted')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table pgrag.tenants is 'One row per tenant; every other table is keyed by tenant_id.';
-- The registry itself is global: slugs are unique across tenants and only admins read them all.
create unique index tenants_slug_key on pgrag.tenants (slug);

create table pgrag.api_keys (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  role text not null check (role in ('reader', 'writer', 'admin')),
  -- The first characters of the key, shown in listings so a key can be recognised.
  prefix text not null,
  -- SHA-256 of the whole key; the key itself is never stored.
  key_hash bytea not null check (length(key_hash) = 32),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
comment on table pgrag.api_keys is 'API keys issued per tenant, stored only as SHA-256 hashes.';
create index api_keys_key_hash_idx on pgrag.api_keys (key_hash) where revoked_at is null;
