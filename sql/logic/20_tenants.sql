-- The tenant registry and its API keys: administrators manage both; a tenant reads its own row;
-- API keys are read only by pgrag.authenticate_api_key, which runs as the admin role.

create or replace trigger tenants_touch_updated_at before update on pgrag.tenants
  for each row execute function pgrag.touch_updated_at();

alter table pgrag.tenants enable row level security;
alter table pgrag.tenants force row level security;
drop policy if exists "A tenant reads its own tenant row" on pgrag.tenants;
create policy "A tenant reads its own tenant row" on pgrag.tenants
  for select to pgrag_api
  using (id = (select pgrag.current_tenant_id()));
drop policy if exists "Administrators manage tenants" on pgrag.tenants;
create policy "Administrators manage tenants" on pgrag.tenants
  for all to pgrag_admin
  using (true) with check (true);
grant select on pgrag.tenants to pgrag_api;
grant select, insert, update on pgrag.tenants to pgrag_admin;

alter table pgrag.api_keys enable row level security;
alter table pgrag.api_keys force row level security;
drop policy if exists "Administrators manage API keys" on pgrag.api_keys;
create policy "Administrators manage API keys" on pgrag.api_keys
  for all to pgrag_admin
  using (true) with check (true);
grant select, insert, update on pgrag.api_keys to pgrag_admin;

-- api_keys has no grants to the API role; this restrictive policy keeps it to its own tenant
-- should one ever be added.
drop policy if exists "Rows are visible only to their own tenant" on pgrag.api_keys;
create policy "Rows are visible only to their own tenant" on pgrag.api_keys as restrictive
  for all to pgrag_api
  using (tenant_id = (select pgrag.current_tenant_id()))
  with check (tenant_id = (select pgrag.current_tenant_id()));

-- The statistics read every tenant's row, and the ledger partitions that maintenance creates
-- carry a foreign key to tenants.
grant select, references on pgrag.tenants to pgrag_maintenance;
drop policy if exists "Maintenance reads every tenant" on pgrag.tenants;
create policy "Maintenance reads every tenant" on pgrag.tenants
  for select to pgrag_maintenance using (true);

-- Internal: serializes the writers of each of `tenant_ids` from here to their commit, in tenant
-- order. Every trigger that updates a tenant's counters (tenant_usage, keyword_statistics,
-- keyword_lexemes) calls it before touching any of them, so two transactions never each hold a
-- counter row the other waits for: without it, a document upsert (usage, then keyword sums) and
-- a document delete (keyword sums by cascade, then usage) of one tenant deadlocked. A
-- transaction-scoped advisory lock: nothing to clean up, and no row to bloat. A writer waits here
-- for its turn for as long as its statement may run (statement_timeout, and the request's
-- deadline, bound the wait), not lock_timeout: the lock is there to make a tenant's writers
-- queue, and the writer ahead holds it to its commit, which for 500 chunks into an HNSW index
-- takes seconds (with lock_timeout's 5 s, the second of two such writers was refused with 503).
create or replace function pgrag.lock_tenant_counters(tenant_ids uuid[])
returns void
language sql
set lock_timeout = 0
as $$
  select count(pg_advisory_xact_lock(2026120301, hashtext(t::text)))
    from (select distinct t from unnest(tenant_ids) t order by t) ordered
$$;
comment on function pgrag.lock_tenant_counters(uuid[]) is
  'Internal: takes the per-tenant lock that orders writers before they update tenant counters.';
grant execute on function pgrag.lock_tenant_counters(uuid[]) to pgrag_api, pgrag_maintenance;
