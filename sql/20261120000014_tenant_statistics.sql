-- tenant_statistics: per-tenant counts that would be too slow to compute per request, kept in a
-- materialized view refreshed in the background. The view is private (no client reads it); each
-- tenant reads only its own row through pgrag.tenant_statistics_json().

create materialized view pgrag.tenant_statistics as
select t.id as tenant_id,
       coalesce(d.document_count, 0) as document_count,
       coalesce(c.chunk_count, 0) as chunk_count,
       coalesce(c.embedded_chunks, 0) as embedded_chunks,
       round(coalesce(d.content_bytes, 0) / 1048576.0, 3) as total_size_mb,
       d.last_document_created,
       coalesce(m.monthly_cost, 0) as monthly_cost,
       now() as refreshed_at
  from pgrag.tenants t
  left join (select tenant_id, count(*) as document_count,
                    sum(octet_length(content)) as content_bytes,
                    max(created_at) as last_document_created
               from pgrag.documents group by tenant_id) d on d.tenant_id = t.id
  left join (select tenant_id, count(*) as chunk_count,
                    count(*) filter (where embedding is not null) as embedded_chunks
               from pgrag.chunks group by tenant_id) c on c.tenant_id = t.id
  left join (select tenant_id, sum(total_cost) as monthly_cost
               from pgrag.cost_tracking
              where created_at >= date_trunc('month', now(), 'UTC')
              group by tenant_id) m on m.tenant_id = t.id
 where t.status <> 'deleted';
comment on materialized view pgrag.tenant_statistics is
  'Per tenant: documents, chunks, storage and this month''s cost, as of refreshed_at.';
-- REFRESH ... CONCURRENTLY needs a unique index; it lets readers keep reading while it runs.
create unique index tenant_statistics_tenant_idx on pgrag.tenant_statistics (tenant_id);
revoke all on pgrag.tenant_statistics from public;
alter materialized view pgrag.tenant_statistics owner to pgrag_maintenance;

-- Contract: recomputes tenant_statistics without blocking its readers; returns
-- {refreshed_at, duration_ms}. Only its owner may refresh a view, so it runs as pgrag_maintenance.
-- refreshed_at is now(), the transaction's start, which is what the refreshed rows carry: a
-- client comparing it with GET /stats sees the same instant.
create function pgrag.refresh_tenant_statistics()
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
alter function pgrag.refresh_tenant_statistics() owner to pgrag_maintenance;
grant execute on function pgrag.refresh_tenant_statistics() to pgrag_admin;

-- Contract: the current tenant's row of tenant_statistics as JSON. A tenant created after the
-- last refresh reads zeros with that refresh's time; null refreshed_at means never refreshed.
create function pgrag.tenant_statistics_json()
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
alter function pgrag.tenant_statistics_json() owner to pgrag_maintenance;
grant execute on function pgrag.tenant_statistics_json() to pgrag_api;

-- The view reads the cost ledger's current month too.
grant select on pgrag.cost_tracking to pgrag_maintenance;

-- Contract: (re)creates the pg_cron jobs that keep pgrag maintained, when pg_cron is installed in
-- this database; returns the job names. The refresh runs every `refresh_schedule` (a cron
-- expression, or pg_cron's '<n> seconds'); next months' partitions are created daily; pg_cron's
-- own run history is pruned to a week. Safe to call again: cron.schedule replaces a job by name.
create function pgrag.schedule_maintenance(refresh_schedule text default '*/5 * * * *')
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

-- pg_cron lives in one database per server (cron.database_name). When this is it and the
-- extension is available, install it; platforms that enable extensions from a dashboard
-- (Supabase) may already have done so. Anywhere else the admin API and the embedded scheduler
-- keep things fresh instead (see the README).
do $$
begin
  if not exists (select from pg_extension where extname = 'pg_cron')
     and exists (select from pg_available_extensions where name = 'pg_cron')
     and current_setting('cron.database_name', true) = current_database() then
    begin
      create extension pg_cron;
    exception when others then
      raise notice 'pg_cron is available but could not be installed: %', sqlerrm;
    end;
  end if;
end
$$;
select pgrag.schedule_maintenance();
