-- Quotas: a tenant's max_documents and max_storage_mb hold however many requests write at once.
--
-- Counting the documents on every write would read all of the tenant's rows, and two concurrent
-- counts would each miss the other's uncommitted rows. Instead statement triggers add each
-- statement's change to one counter row per tenant. The counter's UPDATE takes the row's lock, so
-- concurrent writers of one tenant pass one at a time: the second waits for the first to commit,
-- then adds its change to the committed total and checks that. N concurrent inserts against a
-- limit M therefore admit exactly M. Storage is the UTF-8 size of the documents' content.

create table pgrag.tenant_usage (
  tenant_id uuid primary key references pgrag.tenants (id) on delete cascade,
  -- No checks (>= 0): an upsert checks the row it proposes, which for a delete is the negative
  -- delta itself.
  documents bigint not null default 0,
  storage_bytes bigint not null default 0
);
comment on table pgrag.tenant_usage is
  'Per tenant: document count and content bytes, kept by triggers, checked against the quotas.';
alter table pgrag.tenant_usage enable row level security;
alter table pgrag.tenant_usage force row level security;
create policy "Rows are visible only to their own tenant" on pgrag.tenant_usage as restrictive
  for all to pgrag_api
  using (tenant_id = (select pgrag.current_tenant_id()))
  with check (tenant_id = (select pgrag.current_tenant_id()));
create policy "A tenant reads its own usage" on pgrag.tenant_usage
  for select to pgrag_api using (true);
-- The API role reads its counters but cannot write them: only the trigger (as the owner) does.
grant select on pgrag.tenant_usage to pgrag_api;
create policy "Maintenance keeps the counters" on pgrag.tenant_usage
  for all to pgrag_maintenance using (true) with check (true);
grant select, insert, update on pgrag.tenant_usage to pgrag_maintenance;

-- Trigger: adds the statement's change in documents and bytes to each tenant's counters and
-- raises PR429 when a tenant grew past one of its limits. Only growth is refused: a tenant whose
-- limit was lowered below its usage can still update and delete. It runs as pgrag_maintenance so
-- the API role cannot rewrite its own counters. Transition tables exist only for the events a
-- trigger is declared with, so each event has its own trigger and each branch reads only the
-- tables that exist.
create function pgrag.count_tenant_usage()
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
grant create on schema pgrag to pgrag_maintenance;
alter function pgrag.count_tenant_usage() owner to pgrag_maintenance;

create trigger documents_tenant_usage_insert after insert on pgrag.documents
  referencing new table as new_rows
  for each statement execute function pgrag.count_tenant_usage();
create trigger documents_tenant_usage_update after update on pgrag.documents
  referencing old table as old_rows new table as new_rows
  for each statement execute function pgrag.count_tenant_usage();
create trigger documents_tenant_usage_delete after delete on pgrag.documents
  referencing old table as old_rows
  for each statement execute function pgrag.count_tenant_usage();

-- Documents written before this migration.
insert into pgrag.tenant_usage (tenant_id, documents, storage_bytes)
select tenant_id, count(*), sum(octet_length(content)) from pgrag.documents group by tenant_id;
