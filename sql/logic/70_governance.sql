-- Governance: quota counters kept by triggers, the audit log and the cost ledger (monthly
-- partitions, append-only for the API), budgets.

alter table pgrag.tenant_usage enable row level security;
alter table pgrag.tenant_usage force row level security;
drop policy if exists "Rows are visible only to their own tenant" on pgrag.tenant_usage;
create policy "Rows are visible only to their own tenant" on pgrag.tenant_usage as restrictive
  for all to pgrag_api
  using (tenant_id = (select pgrag.current_tenant_id()))
  with check (tenant_id = (select pgrag.current_tenant_id()));
drop policy if exists "A tenant reads its own usage" on pgrag.tenant_usage;
create policy "A tenant reads its own usage" on pgrag.tenant_usage
  for select to pgrag_api using (true);
-- The API role reads its counters but cannot write them: only the trigger (as the owner) does.
grant select on pgrag.tenant_usage to pgrag_api;
drop policy if exists "Maintenance keeps the counters" on pgrag.tenant_usage;
create policy "Maintenance keeps the counters" on pgrag.tenant_usage
  for all to pgrag_maintenance using (true) with check (true);
grant select, insert, update on pgrag.tenant_usage to pgrag_maintenance;

-- Trigger: adds the statement's change in documents and bytes to each tenant's counters and
-- raises PR429 when a tenant grew past one of its limits. Only growth is refused: a tenant whose
-- limit was lowered below its usage can still update and delete. It runs as pgrag_maintenance so
-- the API role cannot rewrite its own counters. Transition tables exist only for the events a
-- trigger is declared with, so each event has its own trigger and each branch reads only the
-- tables that exist.
create or replace function pgrag.count_tenant_usage()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  delta json;
  change record;
begin
  if tg_op = 'INSERT' then
    select json_agg(d) into delta
      from (select tenant_id, count(*) as documents, sum(octet_length(content)) as bytes
              from new_rows group by tenant_id) d;
  elsif tg_op = 'DELETE' then
    select json_agg(d) into delta
      from (select tenant_id, -count(*) as documents, -sum(octet_length(content)) as bytes
              from old_rows group by tenant_id) d;
  else
    select json_agg(d) into delta
      from (select tenant_id, sum(n) as documents, sum(b) as bytes
              from (select tenant_id, 1 as n, octet_length(content) as b from new_rows
                    union all
                    select tenant_id, -1, -octet_length(content) from old_rows) changes
             group by tenant_id) d;
  end if;
  perform pgrag.lock_tenant_counters(array(
    select d.tenant_id from json_to_recordset(delta) as d(tenant_id uuid, documents bigint, bytes bigint)
     where d.documents <> 0 or d.bytes <> 0));
  for change in
    with per_tenant as (
      select d.tenant_id, d.documents, d.bytes
        from json_to_recordset(delta) as d(tenant_id uuid, documents bigint, bytes bigint)
       where (d.documents <> 0 or d.bytes <> 0)
         -- A tenant removed in this transaction (a cascade) has no counters left to keep.
         and exists (select from pgrag.tenants t where t.id = d.tenant_id)
    ),
    counted as (
      insert into pgrag.tenant_usage as u (tenant_id, documents, storage_bytes)
      select tenant_id, documents, bytes from per_tenant order by tenant_id
      on conflict (tenant_id) do update
        set documents = u.documents + excluded.documents,
            storage_bytes = u.storage_bytes + excluded.storage_bytes
      returning u.tenant_id, u.documents, u.storage_bytes
    )
    select c.documents, c.storage_bytes, p.documents as added_documents, p.bytes as added_bytes,
           t.max_documents, t.max_storage_mb
      from counted c
      join per_tenant p using (tenant_id)
      join pgrag.tenants t on t.id = c.tenant_id
  loop
    if change.added_documents > 0 and change.documents > change.max_documents then
      raise exception 'the tenant may keep at most % documents; this request would make it %',
        change.max_documents, change.documents using errcode = 'PR429';
    end if;
    if change.added_bytes > 0 and change.storage_bytes > change.max_storage_mb * 1048576::bigint
    then
      raise exception 'the tenant may store at most % MB of documents; this request would make it % MB',
        change.max_storage_mb, round(change.storage_bytes / 1048576.0, 2) using errcode = 'PR429';
    end if;
  end loop;
  return null;
end
$$;
comment on function pgrag.count_tenant_usage() is
  'Trigger: keeps pgrag.tenant_usage in step with documents and enforces the tenant quotas.';
select pgrag.set_function_owner('pgrag.count_tenant_usage()', 'pgrag_maintenance');

create or replace trigger documents_tenant_usage_insert after insert on pgrag.documents
  referencing new table as new_rows
  for each statement execute function pgrag.count_tenant_usage();
create or replace trigger documents_tenant_usage_update after update on pgrag.documents
  referencing old table as old_rows new table as new_rows
  for each statement execute function pgrag.count_tenant_usage();
create or replace trigger documents_tenant_usage_delete after delete on pgrag.documents
  referencing old table as old_rows
  for each statement execute function pgrag.count_tenant_usage();

-- Row level security on the parents: the API role reads and appends its tenant's rows, nothing
-- more. Without UPDATE, DELETE or TRUNCATE privileges the audit log is append-only for it.
do $$
declare
  ledger regclass;
begin
  foreach ledger in array array['pgrag.audit_logs', 'pgrag.cost_tracking']::regclass[] loop
    execute format('alter table %s enable row level security', ledger);
    execute format('alter table %s force row level security', ledger);
    execute format('drop policy if exists "Rows are visible only to their own tenant" on %s', ledger);
    execute format('drop policy if exists "The API role reads the rows of its tenant" on %s', ledger);
    execute format('drop policy if exists "The API role appends rows for its tenant" on %s', ledger);
    execute format('drop policy if exists "Maintenance reads every tenant" on %s', ledger);
    execute format(
      'create policy "Rows are visible only to their own tenant" on %s as restrictive '
      'for all to pgrag_api '
      'using (tenant_id = (select pgrag.current_tenant_id())) '
      'with check (tenant_id = (select pgrag.current_tenant_id()))', ledger);
    execute format(
      'create policy "The API role reads the rows of its tenant" on %s '
      'for select to pgrag_api using (true)', ledger);
    execute format(
      'create policy "The API role appends rows for its tenant" on %s '
      'for insert to pgrag_api with check (true)', ledger);
    execute format('grant select, insert on %s to pgrag_api', ledger);
    execute format(
      'create policy "Maintenance reads every tenant" on %s '
      'for select to pgrag_maintenance using (true)', ledger);
  end loop;
end
$$;

-- Contract: makes sure the monthly partitions of audit_logs and cost_tracking exist from the
-- current month (UTC) through `months_ahead` months later; returns how many it created. Each
-- partition gets forced row level security and no grants: clients reach rows only through the
-- parents and their policies. Idempotent, and safe to run concurrently (an advisory lock
-- serializes it).
create or replace function pgrag.create_monthly_partitions(months_ahead integer default 2)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  ledger text;
  month_start timestamptz;
  partition_name text;
  created integer := 0;
begin
  if months_ahead not between 0 and 24 then
    raise exception 'months_ahead must be between 0 and 24' using errcode = 'PR400';
  end if;
  perform pg_advisory_xact_lock(hashtext('pgrag.create_monthly_partitions'));
  foreach ledger in array array['audit_logs', 'cost_tracking'] loop
    for month in 0..months_ahead loop
      month_start := date_trunc('month', now(), 'UTC') + make_interval(months => month);
      partition_name := ledger || '_' || to_char(month_start at time zone 'UTC', 'YYYY_MM');
      continue when to_regclass('pgrag.' || partition_name) is not null;
      execute format(
        'create table pgrag.%I partition of pgrag.%I for values from (%L) to (%L)',
        partition_name, ledger, month_start, month_start + interval '1 month');
      execute format('alter table pgrag.%I enable row level security', partition_name);
      execute format('alter table pgrag.%I force row level security', partition_name);
      created := created + 1;
    end loop;
  end loop;
  return created;
end
$$;
comment on function pgrag.create_monthly_partitions(integer) is
  'Creates the monthly partitions of audit_logs and cost_tracking through months_ahead months.';
select pgrag.set_function_owner('pgrag.create_monthly_partitions(integer)', 'pgrag_maintenance');
grant execute on function pgrag.create_monthly_partitions(integer) to pgrag_api, pgrag_admin;

select pgrag.create_monthly_partitions(2);

-- Contract: makes sure the current month (UTC, the month now() falls in, which is what a row's
-- created_at defaults to) has its partitions, creating them when maintenance did not run. Writers
-- call it first: a catalog lookup, rather than an exception block, which would open a
-- subtransaction on every insert.
create or replace function pgrag.ensure_current_partitions()
returns void
language plpgsql
as $$
declare
  month text := to_char(now() at time zone 'UTC', 'YYYY_MM');
begin
  if to_regclass('pgrag.audit_logs_' || month) is null
     or to_regclass('pgrag.cost_tracking_' || month) is null then
    perform pgrag.create_monthly_partitions(0);
  end if;
end
$$;
comment on function pgrag.ensure_current_partitions() is
  'Creates the current month''s audit and cost partitions when they are missing.';
grant execute on function pgrag.ensure_current_partitions() to pgrag_api;

-- Contract: appends one audit row for the current tenant; `user_id` null means the API key that
-- authenticated the transaction. A missing month is created first (see the top of this file).
create or replace function pgrag.record_audit(
  user_id text,
  action text,
  resource text,
  resource_id text,
  success boolean,
  error_message text,
  duration_ms integer,
  details json,
  ip_address text,
  user_agent text
)
returns void
language plpgsql
as $$
declare
  actor text := coalesce(
    record_audit.user_id,
    'api_key:' || nullif(current_setting('pgrag.api_key_id', true), ''));
begin
  if actor is null then
    raise exception 'the audit row needs who acted' using errcode = 'PR400';
  end if;
  perform pgrag.ensure_current_partitions();
  insert into pgrag.audit_logs (tenant_id, user_id, action, resource, resource_id, success,
    error_message, duration_ms, details, ip_address, user_agent)
  values (pgrag.current_tenant_id(), actor, record_audit.action, record_audit.resource,
    record_audit.resource_id, record_audit.success, left(record_audit.error_message, 2000),
    record_audit.duration_ms, coalesce(record_audit.details::jsonb, '{}'),
    record_audit.ip_address::inet, left(record_audit.user_agent, 500));
end
$$;
comment on function pgrag.record_audit(text, text, text, text, boolean, text, integer, json, text,
  text) is 'Appends one row to the audit log of the current tenant.';
grant execute on function pgrag.record_audit(text, text, text, text, boolean, text, integer, json, text, text) to pgrag_api;

-- Contract: one page of the current tenant's audit log, newest first, as
-- {items: [...], last: {created_at, id} | null}. `after_*` is the keyset of the previous page's
-- last row; `action`, `since` and `until` filter.
create or replace function pgrag.audit_page(
  action text,
  since timestamptz,
  until timestamptz,
  page_size integer,
  after_created_at timestamptz,
  after_id uuid
)
returns json
language sql
stable
as $$
  with page as (
    select a.*
      from pgrag.audit_logs a
     where a.tenant_id = pgrag.current_tenant_id()
       and (audit_page.action is null or a.action = audit_page.action)
       and (since is null or a.created_at >= since)
       and (until is null or a.created_at < until)
       and (after_created_at is null or (a.created_at, a.id) < (after_created_at, after_id))
     order by a.created_at desc, a.id desc
     limit page_size
  )
  select json_build_object(
    'items', coalesce(json_agg(json_build_object(
      'id', p.id, 'timestamp', p.created_at, 'user_id', p.user_id, 'action', p.action,
      'resource', p.resource, 'resource_id', p.resource_id, 'success', p.success,
      'error_message', p.error_message, 'duration_ms', p.duration_ms, 'details', p.details)
      order by p.created_at desc, p.id desc), '[]'),
    'last', (select json_build_object(
                      'created_at', to_char(l.created_at at time zone 'UTC',
                                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                      'id', l.id)
               from page l order by l.created_at, l.id limit 1))
  from page p
$$;
comment on function pgrag.audit_page(text, timestamptz, timestamptz, integer, timestamptz, uuid) is
  'One keyset page of the current tenant''s audit log, newest first.';
grant execute on function pgrag.audit_page(text, timestamptz, timestamptz, integer, timestamptz, uuid) to pgrag_api;

-- Contract: the current tenant's spend since the start of the month (UTC), its monthly budget
-- and where it stands: ok, warning (80% spent) or exceeded (all of it).
create or replace function pgrag.budget_status()
returns json
language sql
stable
as $$
  with spent as (
    select coalesce(sum(c.total_cost), 0) as month_to_date
      from pgrag.cost_tracking c
     where c.tenant_id = pgrag.current_tenant_id()
       and c.created_at >= date_trunc('month', now(), 'UTC')
  )
  select json_build_object(
    'month_to_date_cost', s.month_to_date,
    'budget_usd', t.monthly_budget_usd,
    'budget_status', case
      when t.monthly_budget_usd is null then 'ok'
      when s.month_to_date >= t.monthly_budget_usd then 'exceeded'
      when s.month_to_date >= t.monthly_budget_usd * 0.8 then 'warning'
      else 'ok' end,
    'enforce_budget', coalesce(t.settings ->> 'enforce_budget' = 'true', false))
  from spent s
  join pgrag.tenants t on t.id = pgrag.current_tenant_id()
$$;
comment on function pgrag.budget_status() is
  'Month-to-date spend of the current tenant against its monthly budget.';
grant execute on function pgrag.budget_status() to pgrag_api;

-- Contract: budget_status() when the current tenant enforces its monthly budget and this month's
-- spend has reached it; null otherwise. Most tenants enforce none, and for them the month's spend
-- is not summed: every search and write asks, and the sum grows with the month's ledger.
create or replace function pgrag.spent_enforced_budget()
returns json
language plpgsql
stable
as $$
declare
  status json;
begin
  if not exists (select from pgrag.tenants t
                  where t.id = pgrag.current_tenant_id()
                    and t.monthly_budget_usd is not null
                    and t.settings ->> 'enforce_budget' = 'true') then
    return null;
  end if;
  status := pgrag.budget_status();
  return case when status ->> 'budget_status' = 'exceeded' then status end;
end
$$;
comment on function pgrag.spent_enforced_budget() is
  'The budget status while the current tenant is over an enforced monthly budget, else null.';
grant execute on function pgrag.spent_enforced_budget() to pgrag_api;

-- Contract: raises PR402 when the current tenant's settings say enforce_budget and this month's
-- spend has reached the budget. Routes that spend money downstream call it first.
create or replace function pgrag.enforce_budget()
returns void
language plpgsql
stable
as $$
declare
  status json := pgrag.spent_enforced_budget();
begin
  if status is not null then
    raise exception 'the monthly budget of % USD is spent (% USD this month)',
      status ->> 'budget_usd', status ->> 'month_to_date_cost' using errcode = 'PR402';
  end if;
end
$$;
comment on function pgrag.enforce_budget() is
  'Refuses (PR402) while the current tenant is over an enforced monthly budget.';
grant execute on function pgrag.enforce_budget() to pgrag_api;

-- Contract: records one LLM call for the current tenant (`usage`: model_name, provider,
-- input_tokens, output_tokens, input_cost, output_cost, operation?, metadata?) on behalf of
-- `user_id` (null: the authenticating API key). It always records, even over budget, and returns
-- {id, total_tokens, total_cost} with budget_status().
create or replace function pgrag.record_usage(user_id text, usage json)
returns json
language plpgsql
as $$
declare
  actor text := coalesce(
    record_usage.user_id,
    'api_key:' || nullif(current_setting('pgrag.api_key_id', true), ''));
  recorded json;
begin
  perform pgrag.ensure_current_partitions();
  insert into pgrag.cost_tracking as c (tenant_id, user_id, model_name, provider,
    input_tokens, output_tokens, input_cost, output_cost, operation, metadata)
  select pgrag.current_tenant_id(), actor, u.model_name, u.provider, u.input_tokens,
         u.output_tokens, u.input_cost, u.output_cost, u.operation, coalesce(u.metadata, '{}')
    from json_to_record(usage) as u(model_name text, provider text, input_tokens integer,
           output_tokens integer, input_cost numeric, output_cost numeric, operation text,
           metadata jsonb)
  returning json_build_object('id', c.id, 'total_tokens', c.total_tokens,
                              'total_cost', c.total_cost)
    into recorded;
  return (recorded::jsonb || pgrag.budget_status()::jsonb - 'enforce_budget')::json;
end
$$;
comment on function pgrag.record_usage(text, json) is
  'Records one LLM call''s tokens and cost for the current tenant; returns it with the budget.';
grant execute on function pgrag.record_usage(text, json) to pgrag_api;

-- Contract: the current tenant's spend between `since` and `until`, grouped by `group_by`
-- (model, day or operation), as [{key, operations, total_tokens, total_cost}] ordered by key.
create or replace function pgrag.usage_summary(since timestamptz, until timestamptz, group_by text)
returns json
language sql
stable
as $$
  select coalesce(json_agg(json_build_object('key', g.key, 'operations', g.operations,
                    'total_tokens', g.total_tokens, 'total_cost', g.total_cost)
                  order by g.key nulls last), '[]')
    from (select case group_by
                   when 'model' then c.model_name
                   when 'day' then to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD')
                   else c.operation
                 end as key,
                 count(*) as operations,
                 sum(c.total_tokens) as total_tokens,
                 sum(c.total_cost) as total_cost
            from pgrag.cost_tracking c
           where c.tenant_id = pgrag.current_tenant_id()
             and c.created_at >= since
             and c.created_at < until
           group by 1) g
$$;
comment on function pgrag.usage_summary(timestamptz, timestamptz, text) is
  'The current tenant''s spend in a time range, grouped by model, day or operation.';
grant execute on function pgrag.usage_summary(timestamptz, timestamptz, text) to pgrag_api;
