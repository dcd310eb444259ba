-- Tenant context: which tenant a transaction works for, how a credential sets it, and the helpers
-- the other logic files build tenant tables with. Every later file depends on this one.

revoke all on schema pgrag from public;
grant usage on schema pgrag to pgrag_api, pgrag_admin;
grant select on pgrag.settings to pgrag_api, pgrag_admin;

-- Contract: the tenant of the current transaction. pgrag's own API always sets pgrag.tenant_id
-- (empty when it has no tenant, and then `request.jwt.claims` is emptied too, see scope.ts).
-- Without it, the verified claims that Supabase's PostgREST sets for the request are read:
-- `app_metadata.tenant_id` (what users cannot edit about themselves) or a top-level `tenant_id`.
-- Null when neither is there, so a request without a tenant matches no row: it fails closed.
create or replace function pgrag.current_tenant_id()
returns uuid
language sql
stable
parallel safe
as $$
  select coalesce(
    nullif(current_setting('pgrag.tenant_id', true), '')::uuid,
    (select nullif(coalesce(claims -> 'app_metadata' ->> 'tenant_id', claims ->> 'tenant_id'), '')
       from (select nullif(current_setting('request.jwt.claims', true), '')::jsonb as claims) c
    )::uuid)
$$;
comment on function pgrag.current_tenant_id() is
  'The tenant of the current transaction: setting pgrag.tenant_id, else the tenant claim of request.jwt.claims; null when neither.';
grant execute on function pgrag.current_tenant_id()
  to pgrag_api, pgrag_admin, pgrag_maintenance, pgrag_search;

-- Contract: trigger that stamps updated_at on every update.
create or replace function pgrag.touch_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function pgrag.touch_updated_at() is 'Trigger: sets updated_at to now() on update.';

-- Contract: makes `target` a tenant table (idempotent: the policies are created anew). Row level security is enabled and forced (so even the
-- table owner is subject to it), a restrictive policy pins every command of the API role to the
-- tenant of the current transaction, and a permissive one grants the API role the table's
-- commands within it; without the restrictive policy the permissive one would open the table.
-- Every table with a tenant_id column goes through here, so none can be forgotten or drift.
create or replace function pgrag.isolate_by_tenant(target regclass)
returns void
language plpgsql
as $$
begin
  execute format('alter table %s enable row level security', target);
  execute format('alter table %s force row level security', target);
  execute format('drop policy if exists "Rows are visible only to their own tenant" on %s', target);
  execute format(
    'create policy "Rows are visible only to their own tenant" on %s as restrictive '
    'for all to pgrag_api '
    'using (tenant_id = (select pgrag.current_tenant_id())) '
    'with check (tenant_id = (select pgrag.current_tenant_id()))', target);
  execute format('drop policy if exists "The API role works on the rows of its tenant" on %s',
    target);
  execute format(
    'create policy "The API role works on the rows of its tenant" on %s '
    'for all to pgrag_api using (true) with check (true)', target);
  execute format('grant select, insert, update, delete on %s to pgrag_api', target);
end
$$;
comment on function pgrag.isolate_by_tenant(regclass) is
  'Schema setup only: forces row level security on a tenant table with the tenant policies.';

-- Contract: makes `owner` the owner of the function `target`. Some functions run as a pgrag role
-- (security definer, or a probe that must read under that role's policies); an owner needs
-- CREATE on the schema at the moment of the transfer, which a role that does not keep it is
-- given for that moment only. Idempotent.
create or replace function pgrag.set_function_owner(target regprocedure, owner regrole)
returns void
language plpgsql
as $$
declare
  keeps_create constant boolean := has_schema_privilege(owner, 'pgrag', 'create');
begin
  if not keeps_create then
    execute format('grant create on schema pgrag to %s', owner);
  end if;
  execute format('alter function %s owner to %s', target, owner);
  if not keeps_create then
    execute format('revoke create on schema pgrag from %s', owner);
  end if;
end
$$;
comment on function pgrag.set_function_owner(regprocedure, regrole) is
  'Schema setup only: transfers a function to a pgrag role, with CREATE on the schema for that moment.';

-- API keys are checked by the database inside the transaction that does the request's work, so
-- a revoked key or a suspended tenant is refused on the very next request and costs no extra
-- round trip. Callers send the SHA-256 of the key; the key itself never reaches PostgreSQL.

-- Contract: finds the unrevoked key with this hash, refuses it when its level is below
-- `required_level` (reader < writer < admin) or its tenant is not active, and otherwise sets the
-- transaction's tenant and the key's id (pgrag.api_key_id, so the audit log can name who acted),
-- both transaction-locally, and returns the tenant. Errors: PR401 unknown or revoked key, PR403
-- level too low, PR423 tenant suspended. It runs as the admin role, the one role whose policies
-- let it read keys, never as a superuser.
create or replace function pgrag.authenticate_api_key(key_hash bytea, required_level text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  levels constant text[] := array['reader', 'writer', 'admin'];
  credential record;
begin
  select k.tenant_id, k.id, k.role, t.status
    into credential
    from pgrag.api_keys k
    join pgrag.tenants t on t.id = k.tenant_id
   where k.key_hash = authenticate_api_key.key_hash
     and k.revoked_at is null;
  if credential.tenant_id is null or credential.status = 'deleted' then
    raise exception 'the API key is not valid' using errcode = 'PR401';
  end if;
  if array_position(levels, credential.role) < array_position(levels, required_level) then
    raise exception 'this API key is a % key; the request needs a % key',
      credential.role, required_level using errcode = 'PR403';
  end if;
  if credential.status <> 'active' then
    raise exception 'the tenant is suspended' using errcode = 'PR423';
  end if;
  perform set_config('pgrag.tenant_id', credential.tenant_id::text, true);
  perform set_config('pgrag.api_key_id', credential.id::text, true);
  return credential.tenant_id;
end
$$;
comment on function pgrag.authenticate_api_key(bytea, text) is
  'Checks an API key by its SHA-256 and sets the tenant (and key id) of the current transaction.';
select pgrag.set_function_owner('pgrag.authenticate_api_key(bytea, text)', 'pgrag_admin');
grant execute on function pgrag.authenticate_api_key(bytea, text) to pgrag_api;

-- Verified JWTs carry their tenant and role to the database, and clients that reach the SQL
-- functions through Supabase (PostgREST) carry theirs in `request.jwt.claims`, so the same
-- policies hold for them.

-- Contract: for a transaction whose tenant comes from a verified token (pgrag.tenant_id is set by
-- the caller), refuses a role below `required_level` (PR403), a tenant that does not exist or was
-- deleted (PR401) and a suspended one (PR423). The API role reads its own tenant row, so this
-- needs no privileges beyond the policies.
create or replace function pgrag.authenticate_token(granted_level text, required_level text)
returns uuid
language plpgsql
stable
as $$
declare
  levels constant text[] := array['reader', 'writer', 'admin'];
  tenant_status text;
begin
  select t.status into tenant_status from pgrag.tenants t where t.id = pgrag.current_tenant_id();
  if tenant_status is null or tenant_status = 'deleted' then
    raise exception 'the token''s tenant does not exist' using errcode = 'PR401';
  end if;
  if coalesce(array_position(levels, granted_level), 0) < array_position(levels, required_level)
  then
    raise exception 'this token grants the % role; the request needs %',
      granted_level, required_level using errcode = 'PR403';
  end if;
  if tenant_status <> 'active' then
    raise exception 'the tenant is suspended' using errcode = 'PR423';
  end if;
  return pgrag.current_tenant_id();
end
$$;
comment on function pgrag.authenticate_token(text, text) is
  'Checks the role and tenant status of a token-authenticated transaction.';
grant execute on function pgrag.authenticate_token(text, text) to pgrag_api;
