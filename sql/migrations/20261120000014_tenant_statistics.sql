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

-- pg_cron lives in one database per server (cron.database_name). When this is it and the
-- extension is available, install it; platforms that enable extensions from a dashboard
-- (Supabase) may already have done so. Anywhere else the admin API and the embedded scheduler
-- keep things fresh instead (see docs/operations.md). The jobs are scheduled by
-- sql/logic/80_statistics.sql.
do $$
declare
  cron_database text;
begin
  -- Only superusers may read cron.database_name. A platform that does not make the migrating
  -- role one (Supabase) enables pg_cron from its dashboard instead.
  begin
    cron_database := current_setting('cron.database_name', true);
  exception when insufficient_privilege then
    cron_database := null;
  end;
  if not exists (select from pg_extension where extname = 'pg_cron')
     and exists (select from pg_available_extensions where name = 'pg_cron')
     and cron_database = current_database() then
    begin
      create extension pg_cron;
    exception when others then
      raise notice 'pg_cron is available but could not be installed: %', sqlerrm;
    end;
  end if;
end
$$;
