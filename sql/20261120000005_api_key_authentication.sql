-- API keys are checked by the database inside the transaction that does the request's work, so
-- a revoked key or a suspended tenant is refused on the very next request and costs no extra
-- round trip. Callers send the SHA-256 of the key; the key itself never reaches PostgreSQL.

-- Contract: finds the unrevoked key with this hash, refuses it when its level is below
-- `required_level` (reader < writer < admin) or its tenant is not active, and otherwise sets the
-- transaction's tenant (transaction-locally) and returns it. Errors: PR401 unknown or revoked
-- key, PR403 level too low, PR423 tenant suspended.
create function pgrag.authenticate_api_key(key_hash bytea, required_level text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  levels constant text[] := array['reader', 'writer', 'admin'];
  credential record;
begin
  select k.tenant_id, k.role, t.status
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
  return credential.tenant_id;
end
$$;
comment on function pgrag.authenticate_api_key(bytea, text) is
  'Checks an API key by its SHA-256 and sets the tenant of the current transaction.';
-- It runs as the admin role, the one role whose policies let it read keys, never as a superuser.
-- A new owner needs CREATE on the schema for the moment of the transfer only.
grant create on schema pgrag to pgrag_admin;
alter function pgrag.authenticate_api_key(bytea, text) owner to pgrag_admin;
revoke create on schema pgrag from pgrag_admin;
revoke execute on function pgrag.authenticate_api_key(bytea, text) from public;
grant execute on function pgrag.authenticate_api_key(bytea, text) to pgrag_api;
