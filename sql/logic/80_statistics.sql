-- tenant_statistics (the materialized view of migration 20261120000014): its refresh, each
-- tenant's read of its own row, and the pg_cron jobs that keep it fresh.

-- Contract: recomputes tenant_statistics without blocking its readers; returns
-- {refreshed_at, duration_ms}. Only its owner may refresh a view, so it runs as pgrag_maintenance.
-- refreshed_at is now(), the transaction's start, which is what the refreshed rows carry: a
-- client comparing it with GET /stats sees the same instant.
create or replace function pgrag.refresh_tenant_statistics()
returns json
language plpgsql
security definer
set search_path = ''
as $$
declare
  started timestamptz := clock_timestamp();
begin
  refresh materialized view concurrently pgrag.tenant_statistics;
  return json_build_object(
    'refreshed_at', now(),
    'duration_ms', round(extract(epoch from clock_timestamp() - started) * 1000, 1));
end
$$;
comment on function pgrag.refresh_tenant_statistics() is
  'Refreshes pgrag.tenant_statistics concurrently; returns when and how long it took.';
select pgrag.set_function_owner('pgrag.refresh_tenant_statistics()', 'pgrag_maintenance');
grant execute on function pgrag.refresh_tenant_statistics() to pgrag_admin;

-- Contract: the current tenant's row of tenant_statistics as JSON. A tenant created after the
-- last refresh reads zeros with that refresh's time; null refreshed_at means never refreshed.
create or replace function pgrag.tenant_statistics_json()
returns json
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select json_build_object('tenant_id', s.tenant_id, 'document_count', s.document_count,
              'chunk_count', s.chunk_count, 'embedded_chunks', s.embedded_chunks,
              'total_size_mb', s.total_size_mb, 'last_document_created', s.last_document_created,
              'monthly_cost', s.monthly_cost, 'refreshed_at', s.refreshed_at)
       from pgrag.tenant_statistics s
      where s.tenant_id = pgrag.current_tenant_id()),
    json_build_object('tenant_id', pgrag.current_tenant_id(), 'document_count', 0,
      'chunk_count', 0, 'embedded_chunks', 0, 'total_size_mb', 0, 'last_document_created', null,
      'monthly_cost', 0,
      'refreshed_at', (select max(s.refreshed_at) from pgrag.tenant_statistics s)))
  where pgrag.current_tenant_id() is not null
$$;
comment on function pgrag.tenant_statistics_json() is
  'The current tenant''s row of tenant_statistics; no other tenant''s.';
select pgrag.set_function_owner('pgrag.tenant_statistics_json()', 'pgrag_maintenance');
grant execute on function pgrag.tenant_statistics_json() to pgrag_api;

-- The view reads the cost ledger's current month too.
grant select on pgrag.cost_tracking to pgrag_maintenance;

-- Contract: (re)creates the pg_cron jobs that keep pgrag maintained, when pg_cron is installed in
-- this database; returns the job names. The refresh runs every `refresh_schedule` (a cron
-- expression, or pg_cron's '<n> seconds'); next months' partitions are created daily; pg_cron's
-- own run history is pruned to a week. Safe to call again: cron.schedule replaces a job by name.
create or replace function pgrag.schedule_maintenance(refresh_schedule text default '*/5 * * * *')
returns text[]
language plpgsql
as $$
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    return '{}';
  end if;
  execute 'select cron.schedule($1, $2, $3)' using
    'pgrag-refresh-tenant-statistics', refresh_schedule,
    'select pgrag.refresh_tenant_statistics()';
  execute 'select cron.schedule($1, $2, $3)' using
    'pgrag-create-partitions', '17 3 * * *', 'select pgrag.create_monthly_partitions(2)';
  execute 'select cron.schedule($1, $2, $3)' using
    'pgrag-prune-cron-history', '41 3 * * *',
    'delete from cron.job_run_details where end_time < now() - interval ''7 days''';
  return array['pgrag-refresh-tenant-statistics', 'pgrag-create-partitions',
               'pgrag-prune-cron-history'];
end
$$;
comment on function pgrag.schedule_maintenance(text) is
  'Creates or replaces pgrag''s pg_cron jobs when pg_cron is installed; returns their names.';

-- The jobs are created once, when pg_cron is there: a schedule an operator set since
-- (select pgrag.schedule_maintenance('1 minute')) survives later upgrades of this file.
do $$
declare
  scheduled boolean := false;
begin
  if to_regclass('cron.job') is not null then
    execute 'select exists (select from cron.job where jobname = $1)' into scheduled
      using 'pgrag-refresh-tenant-statistics';
  end if;
  if not scheduled then
    perform pgrag.schedule_maintenance();
  end if;
end
$$;
