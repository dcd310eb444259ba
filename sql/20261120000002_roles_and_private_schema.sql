-- The private schema that holds every table and internal function, and the two roles requests run
-- as. Neither role can log in, bypass row level security or own anything: the connecting role
-- switches to one of them transaction-locally (`set_config('role', ..., true)`) for each request.
create schema if not exists pgrag;
comment on schema pgrag is
  'pgrag tables and internals. Clients reach them only through the API roles and their policies.';

do $$
begin
  if not exists (select from pg_roles where rolname = 'pgrag_api') then
    create role pgrag_api nologin nobypassrls noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'pgrag_admin') then
    create role pgrag_admin nologin nobypassrls noinherit;
  end if;
end
$$;
comment on role pgrag_api is 'pgrag: tenant requests run as this role; row level security scopes them to one tenant.';
comment on role pgrag_admin is 'pgrag: admin requests run as this role; it manages tenants and keys, never tenant data.';

-- The connecting role must be a member to switch to them.
grant pgrag_api to current_user;
grant pgrag_admin to current_user;

revoke all on schema pgrag from public;
grant usage on schema pgrag to pgrag_api, pgrag_admin;

-- Functions are executable by PUBLIC unless revoked; here each one is granted explicitly.
alter default privileges in schema pgrag revoke execute on functions from public;

-- Install-time settings (the embedding dimension, ...), written by later migrations.
create table pgrag.settings (
  key text primary key,
  value text not null
);
comment on table pgrag.settings is 'pgrag install-time settings such as the embedding dimension.';
grant select on pgrag.settings to pgrag_api, pgrag_admin;

-- Contract: the tenant of the current transaction, or null when none was set. An empty value
-- (what a setting reverts to after a transaction that set it locally) also reads as null, so a
-- request without tenant context matches no row: it fails closed.
create function pgrag.current_tenant_id()
returns uuid
language sql
stable
parallel safe
as $$
  select nullif(current_setting('pgrag.tenant_id', true), '')::uuid
$$;
comment on function pgrag.current_tenant_id() is
  'The tenant of the current transaction (setting pgrag.tenant_id), null when unset.';
grant execute on function pgrag.current_tenant_id() to pgrag_api, pgrag_admin;

-- Contract: trigger that stamps updated_at on every update.
create function pgrag.touch_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function pgrag.touch_updated_at() is 'Trigger: sets updated_at to now() on update.';

-- Contract: makes `target` a tenant table. Row level security is enabled and forced (so even the
-- table owner is subject to it), a restrictive policy pins every command of the API role to the
-- tenant of the current transaction, and a permissive one grants the API role the table's
-- commands within it; without the restrictive policy the permissive one would open the table.
-- Every table with a tenant_id column goes through here, so none can be forgotten or drift.
create function pgrag.isolate_by_tenant(target regclass)
returns void
language plpgsql
as $$
begin
  execute format('alter table %s enable row level security', target);
  execute format('alter table %s force row level security', target);
  execute format(
    'create policy "Rows are visible only to their own tenant" on %s as restrictive '
    'for all to pgrag_api '
    'using (tenant_id = (select pgrag.current_tenant_id())) '
    'with check (tenant_id = (select pgrag.current_tenant_id()))', target);
  execute format(
    'create policy "The API role works on the rows of its tenant" on %s '
    'for all to pgrag_api using (true) with check (true)', target);
  execute format('grant select, insert, update, delete on %s to pgrag_api', target);
end
$$;
comment on function pgrag.isolate_by_tenant(regclass) is
  'Migrations only: forces row level security on a tenant table with the tenant policies.';
