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
-- It owns the ledgers (created next) and creates their monthly partitions as it runs: an owner
-- needs CREATE on the schema.
grant usage, create on schema pgrag to pgrag_maintenance;
