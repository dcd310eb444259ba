-- The audit log and the cost ledger: append-mostly, per tenant, partitioned by month so old
-- months can be detached or dropped whole and recent ones stay small. Both belong to
-- pgrag_maintenance, which creates the partitions ahead of time (pg_cron, the admin API or the
-- embedded scheduler call pgrag.create_monthly_partitions); a write that finds its month missing
-- creates it on the spot, so no write is lost when maintenance did not run.

create table pgrag.audit_logs (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  created_at timestamptz not null default now(),
  id uuid not null default gen_random_uuid(),
  -- Who: `api_key:<id>` or `user:<sub>` of a token.
  user_id text not null check (length(user_id) between 1 and 300),
  -- What: search, insert, update, delete, record.
  action text not null check (length(action) between 1 and 50),
  resource text check (length(resource) <= 200),
  resource_id text check (length(resource_id) <= 300),
  -- The request (method, route, status, request id, counts), never document text.
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  success boolean not null,
  error_message text check (length(error_message) <= 2000),
  ip_address inet,
  user_agent text check (length(user_agent) <= 500),
  duration_ms integer check (duration_ms >= 0),
  primary key (tenant_id, created_at, id)
) partition by range (created_at);
comment on table pgrag.audit_logs is
  'One row per write and per search: who, what, outcome, duration. Append-only for the API.';
create index audit_logs_action_idx on pgrag.audit_logs (tenant_id, action, created_at desc, id);

create table pgrag.cost_tracking (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  created_at timestamptz not null default now(),
  id uuid not null default gen_random_uuid(),
  user_id text not null check (length(user_id) between 1 and 300),
  model_name text not null check (length(btrim(model_name)) between 1 and 200),
  provider text not null check (length(btrim(provider)) between 1 and 100),
  input_tokens integer not null check (input_tokens >= 0),
  output_tokens integer not null check (output_tokens >= 0),
  total_tokens bigint generated always as (input_tokens::bigint + output_tokens) stored,
  input_cost numeric(14, 6) not null check (input_cost >= 0),
  output_cost numeric(14, 6) not null check (output_cost >= 0),
  total_cost numeric(15, 6) generated always as (input_cost + output_cost) stored,
  operation text check (length(btrim(operation)) between 1 and 100),
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  primary key (tenant_id, created_at, id)
) partition by range (created_at);
comment on table pgrag.cost_tracking is
  'LLM spend per call as reported by the client; totals are generated columns.';
-- Both ledgers belong to pgrag_maintenance, which creates their partitions.
alter table pgrag.audit_logs owner to pgrag_maintenance;
alter table pgrag.cost_tracking owner to pgrag_maintenance;
