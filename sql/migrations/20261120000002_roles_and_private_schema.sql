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

-- Install-time settings (the embedding dimension, ...), written by later migrations.
create table pgrag.settings (
  key text primary key,
  value text not null
);
comment on table pgrag.settings is 'pgrag install-time settings such as the embedding dimension.';
