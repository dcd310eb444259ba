-- Credentials beyond API keys: verified JWTs carry their tenant and role to the database, and
-- clients that reach the SQL functions through Supabase (PostgREST) carry theirs in
-- `request.jwt.claims`, so the same policies hold for them.

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

-- Contract: as before (see the API key migration), and it also records which key authenticated
-- the transaction in pgrag.api_key_id, so the audit log can name who acted.
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

-- Contract: for a transaction whose tenant comes from a verified token (pgrag.tenant_id is set by
-- the caller), refuses a role below `required_level` (PR403), a tenant that does not exist or was
-- deleted (PR401) and a suspended one (PR423). The API role reads its own tenant row, so this
-- needs no privileges beyond the policies.
create function pgrag.authenticate_token(granted_level text, required_level text)
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

-- The role that keeps the books: it owns the audit and cost tables with their monthly
-- partitions, the usage counters and the statistics view, and runs the maintenance functions.
-- Like the other pgrag roles it cannot log in or bypass row level security.
do $$
begin
  if not exists (select from pg_roles where rolname = 'pgrag_maintenance') then
    create role pgrag_maintenance nologin nobypassrls noinherit;
  end if;
end
$$;
comment on role pgrag_maintenance is
  'pgrag: owns the audit and cost partitions, usage counters and statistics; runs maintenance.';
grant pgrag_maintenance to current_user;
grant usage on schema pgrag to pgrag_maintenance;
-- It creates next month's partitions, which needs CREATE on the schema for as long as it runs.
grant create on schema pgrag to pgrag_maintenance;
grant execute on function pgrag.current_tenant_id() to pgrag_maintenance;
-- The statistics read every tenant's rows; these policies let only this role do so, for reading.
grant select on pgrag.tenants, pgrag.documents, pgrag.chunks to pgrag_maintenance;
create policy "Maintenance reads every tenant" on pgrag.tenants
  for select to pgrag_maintenance using (true);
create policy "Maintenance counts every tenant's documents" on pgrag.documents
  for select to pgrag_maintenance using (true);
create policy "Maintenance counts every tenant's chunks" on pgrag.chunks
  for select to pgrag_maintenance using (true);
