-- Automatic embedding (the table is migration 20261204000100's): chunks stored without an
-- embedding while the request asked for `embedding: "auto"` are queued by the chunk triggers
-- below, claimed by a worker in batches, embedded by the provider outside any transaction, and
-- stored by complete_embeddings, which moves their documents to `processed`. Every function runs
-- as the caller in the tenant's scope, so row level security keeps each tenant's queue its own;
-- only embedding_tenants, which names tenants with work and nothing of it, sees them all.
--
-- A document's status follows its chunks: `pending` while any waits, `processing` once a worker
-- has claimed one, `processed` when every chunk has its embedding, `failed` with the provider's
-- error once a chunk has used its attempts (queue_missing_embeddings puts it back).

select pgrag.isolate_by_tenant('pgrag.embedding_queue');
grant select on pgrag.embedding_queue to pgrag_maintenance;
drop policy if exists "Maintenance finds the tenants with embedding work" on pgrag.embedding_queue;
create policy "Maintenance finds the tenants with embedding work" on pgrag.embedding_queue
  for select to pgrag_maintenance using (true);

-- Internal: queues `chunks` (rows of pgrag.chunks) for embedding, and sets their documents back
-- to pending. An entry already queued for the same content stays as it is (its claim and
-- attempts with it); one for other content, or one that failed, starts over.
create or replace function pgrag.queue_chunks(chunks pgrag.chunks[])
returns integer
language plpgsql
as $$
declare
  queued integer;
begin
  with entries as (
    insert into pgrag.embedding_queue as q (tenant_id, chunk_id, document_id, content_hash)
    select c.tenant_id, c.id, c.document_id, md5(c.content) from unnest(chunks) as c
    on conflict (tenant_id, chunk_id) do update set
      document_id = excluded.document_id,
      content_hash = excluded.content_hash,
      attempts = 0,
      not_before = now(),
      claimed_until = null,
      failed = false,
      last_error = null,
      enqueued_at = now()
    where q.content_hash <> excluded.content_hash or q.failed
    returning q.tenant_id, q.document_id
  ), documents as (
    update pgrag.documents d set status = 'pending', error_msg = null
      from (select distinct tenant_id, document_id from entries) e
     where d.tenant_id = e.tenant_id and d.id = e.document_id
       and (d.status <> 'pending' or d.error_msg is not null)
  )
  select count(*) into queued from entries;
  return queued;
end
$$;
comment on function pgrag.queue_chunks(pgrag.chunks[]) is
  'Internal: queues chunks for embedding and sets their documents back to pending.';
grant execute on function pgrag.queue_chunks(pgrag.chunks[]) to pgrag_api;

-- Trigger: a statement that wrote chunks with embeddings has finished their queue entries; one
-- that wrote chunks without, in a transaction that asked for automatic embedding (the setting
-- pgrag.embedding = 'auto', set by the API for the request), queues them. The setting belongs to
-- the request, not to the table: a client that sends its own embeddings, or says "none", is
-- never queued behind the provider.
create or replace function pgrag.queue_written_chunks()
returns trigger
language plpgsql
as $$
declare
  missing pgrag.chunks[];
begin
  if exists (select from pgrag.embedding_queue) then
    delete from pgrag.embedding_queue q using written_chunks w
     where q.tenant_id = w.tenant_id and q.chunk_id = w.id and w.embedding is not null;
  end if;
  if coalesce(current_setting('pgrag.embedding', true), '') = 'auto' then
    select array_agg(w) into missing from written_chunks w where w.embedding is null;
    if missing is not null then
      perform pgrag.queue_chunks(missing);
    end if;
  end if;
  return null;
end
$$;
comment on function pgrag.queue_written_chunks() is
  'Trigger: queues chunks written without embedding (automatic embedding) and ends finished entries.';
grant execute on function pgrag.queue_written_chunks() to pgrag_api;

create or replace trigger chunks_embedding_queue_insert after insert on pgrag.chunks
  referencing new table as written_chunks
  for each statement execute function pgrag.queue_written_chunks();
create or replace trigger chunks_embedding_queue_update after update on pgrag.chunks
  referencing new table as written_chunks
  for each statement execute function pgrag.queue_written_chunks();

-- Contract: queues the current tenant's chunks that have no embedding (of `document_ids`, or all
-- when null), failed ones included, for the provider; returns how many entries were (re)queued.
create or replace function pgrag.queue_missing_embeddings(document_ids text[])
returns integer
language plpgsql
as $$
declare
  missing pgrag.chunks[];
begin
  select array_agg(c) into missing
    from pgrag.chunks c
   where c.tenant_id = pgrag.current_tenant_id()
     and c.embedding is null
     and (document_ids is null or c.document_id = any (document_ids));
  return coalesce(pgrag.queue_chunks(missing), 0);
end
$$;
comment on function pgrag.queue_missing_embeddings(text[]) is
  'Queues the current tenant''s chunks without embedding (failed ones again); returns how many.';
grant execute on function pgrag.queue_missing_embeddings(text[]) to pgrag_api;

-- Contract: up to `max_tenants` tenant ids with queue entries that may be claimed now, the longest
-- waiting first. It reads every tenant's queue (as pgrag_maintenance) and returns ids only: the
-- worker then works in each tenant's own scope. The tenants with entries are found by skipping
-- through the claim index from one tenant to the next, so a pass costs the number of tenants
-- waiting, not the length of their backlog.
create or replace function pgrag.embedding_tenants(max_tenants integer)
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  with recursive waiting as (
    (select q.tenant_id from pgrag.embedding_queue q where not q.failed
      order by q.tenant_id limit 1)
    union all
    select (select q.tenant_id from pgrag.embedding_queue q
             where not q.failed and q.tenant_id > w.tenant_id
             order by q.tenant_id limit 1)
      from waiting w
     where w.tenant_id is not null
  )
  select coalesce(array_agg(d.tenant_id order by d.due), '{}')
    from (select w.tenant_id, due.at as due
            from waiting w
            join pgrag.tenants t on t.id = w.tenant_id and t.status = 'active'
            cross join lateral (
              select min(q.not_before) as at
                from pgrag.embedding_queue q
               where q.tenant_id = w.tenant_id
                 and not q.failed
                 and q.not_before <= now()
                 and (q.claimed_until is null or q.claimed_until < now())) due
           where due.at is not null
           order by due.at
           limit max_tenants) d
$$;
comment on function pgrag.embedding_tenants(integer) is
  'The active tenants with embedding work due now, longest waiting first (ids only).';
select pgrag.set_function_owner('pgrag.embedding_tenants(integer)', 'pgrag_maintenance');
grant execute on function pgrag.embedding_tenants(integer) to pgrag_admin;

-- Contract: claims up to `batch_size` of the current tenant's due entries for `lease_seconds`
-- (other workers skip them; after the lease anyone may take them again, so a worker that died
-- loses nothing) and moves their documents to processing. Returns {paused, items: [{chunk_id,
-- document_id, content, content_hash, attempts}]}. A tenant over an enforced budget is paused
-- instead: nothing is claimed, its entries wait five minutes, its documents say why.
create or replace function pgrag.claim_embeddings(batch_size integer, lease_seconds integer)
returns json
language plpgsql
as $$
declare
  budget json := pgrag.spent_enforced_budget();
  why_paused text;
  claimed json;
begin
  if budget is not null then
    why_paused := format('embedding paused: the monthly budget of %s USD is spent',
                         budget ->> 'budget_usd');
    with paused as (
      update pgrag.embedding_queue q set not_before = now() + interval '5 minutes'
       where q.tenant_id = pgrag.current_tenant_id() and not q.failed
      returning q.document_id
    )
    update pgrag.documents d
       set error_msg = why_paused
     where d.tenant_id = pgrag.current_tenant_id()
       and d.id in (select document_id from paused)
       and d.error_msg is distinct from why_paused;
    return json_build_object('paused', true, 'items', '[]'::json);
  end if;

  with due as (
    select q.chunk_id
      from pgrag.embedding_queue q
     where q.tenant_id = pgrag.current_tenant_id()
       and not q.failed
       and q.not_before <= now()
       and (q.claimed_until is null or q.claimed_until < now())
     order by q.not_before, q.chunk_id
     limit batch_size
       for update skip locked
  ), taken as (
    update pgrag.embedding_queue q
       set claimed_until = now() + make_interval(secs => lease_seconds),
           attempts = q.attempts + 1
      from due
     where q.tenant_id = pgrag.current_tenant_id() and q.chunk_id = due.chunk_id
    returning q.chunk_id, q.document_id, q.content_hash, q.attempts
  ), documents as (
    update pgrag.documents d set status = 'processing'
     where d.tenant_id = pgrag.current_tenant_id()
       and d.id in (select document_id from taken)
       and d.status = 'pending'
  )
  select json_agg(json_build_object('chunk_id', t.chunk_id, 'document_id', t.document_id,
                    'content', c.content, 'content_hash', t.content_hash,
                    'attempts', t.attempts) order by t.chunk_id)
    into claimed
    from taken t
    join pgrag.chunks c on c.tenant_id = pgrag.current_tenant_id() and c.id = t.chunk_id;
  return json_build_object('paused', false, 'items', coalesce(claimed, '[]'::json));
end
$$;
comment on function pgrag.claim_embeddings(integer, integer) is
  'Claims a batch of the current tenant''s due embedding work for a lease; pauses a tenant over budget.';
grant execute on function pgrag.claim_embeddings(integer, integer) to pgrag_api;

-- Contract: stores the embeddings made for claimed entries (`items`: [{chunk_id, content_hash}],
-- aligned with `embeddings`, pgvector literals separated by spaces), records the provider's
-- usage (`usage`, as record_usage takes it, or null) and moves documents whose every chunk now
-- has an embedding to processed. An embedding of content that has changed since the claim, or of
-- a chunk whose entry is gone (deleted, or given an embedding by its client), is dropped.
-- Returns {embedded, processed_documents}.
create or replace function pgrag.complete_embeddings(items json, embeddings text, usage json)
returns json
language plpgsql
as $$
declare
  embedded integer;
  document_ids text[];
  processed integer;
begin
  with made as (
    select m.chunk_id, m.content_hash, m.embedding
      from rows from (
             json_to_recordset(items) as (chunk_id text, content_hash text),
             unnest(string_to_array(embeddings, ' '))
           ) as m(chunk_id, content_hash, embedding)
  ), stored as (
    update pgrag.chunks c set embedding = m.embedding::vector
      from made m
      join pgrag.embedding_queue q
        on q.tenant_id = pgrag.current_tenant_id() and q.chunk_id = m.chunk_id
       and q.content_hash = m.content_hash
     where c.tenant_id = pgrag.current_tenant_id() and c.id = m.chunk_id
       and md5(c.content) = m.content_hash
    returning c.document_id
  )
  select count(*), array_agg(distinct document_id) into embedded, document_ids from stored;

  -- Two workers storing a document's last chunks at once would each see the other's still
  -- without embedding and neither would mark the document. Completions of one tenant take turns
  -- from here to their commit: the statement below then sees every earlier completion, and it
  -- comes after the chunk rows are locked, so the turns cannot deadlock with them.
  perform pg_advisory_xact_lock(2026120401, hashtext(pgrag.current_tenant_id()::text));

  with done as (
    update pgrag.documents d set status = 'processed', error_msg = null
     where d.tenant_id = pgrag.current_tenant_id()
       and d.id = any (document_ids)
       and not exists (select from pgrag.embedding_queue q
                        where q.tenant_id = d.tenant_id and q.document_id = d.id)
       and not exists (select from pgrag.chunks c
                        where c.tenant_id = d.tenant_id and c.document_id = d.id
                          and c.embedding is null)
    returning 1
  )
  select count(*) into processed from done;

  if usage is not null then
    perform pgrag.record_usage('pgrag:embedding', usage);
  end if;
  return json_build_object('embedded', embedded, 'processed_documents', processed);
end
$$;
comment on function pgrag.complete_embeddings(json, text, json) is
  'Stores embeddings made for claimed queue entries, records their usage, marks documents processed.';
grant execute on function pgrag.complete_embeddings(json, text, json) to pgrag_api;

-- Contract: the provider failed on claimed entries (`chunk_ids`) with `error`. Each entry waits
-- `retry_after_seconds` (or 2^attempts seconds, at most 5 minutes) and is claimed again, unless
-- the failure is `permanent` or it has made `max_attempts` attempts: then it fails, and so does
-- its document, with the error. Returns the number of entries that failed for good.
create or replace function pgrag.fail_embeddings(chunk_ids text[], error text, permanent boolean,
  max_attempts integer, retry_after_seconds integer)
returns integer
language plpgsql
as $$
declare
  failed_for_good integer;
begin
  with failing as (
    update pgrag.embedding_queue q set
      failed = permanent or q.attempts >= max_attempts,
      last_error = error,
      claimed_until = null,
      not_before = now() + make_interval(
        secs => coalesce(retry_after_seconds, least(300, power(2, q.attempts)::integer)))
     where q.tenant_id = pgrag.current_tenant_id() and q.chunk_id = any (chunk_ids)
    returning q.document_id, q.failed
  ), documents as (
    update pgrag.documents d
       set status = case when f.failed then 'failed' else 'pending' end,
           error_msg = case when f.failed then 'embedding failed: ' || error
                            else 'embedding will be retried: ' || error end
      from (select document_id, bool_or(failed) as failed from failing group by document_id) f
     where d.tenant_id = pgrag.current_tenant_id() and d.id = f.document_id
       and d.status <> 'failed'
  )
  select count(*) filter (where failed) into failed_for_good from failing;
  return failed_for_good;
end
$$;
comment on function pgrag.fail_embeddings(text[], text, boolean, integer, integer) is
  'Records a provider failure on claimed entries: retried later, or failed with their documents.';
grant execute on function pgrag.fail_embeddings(text[], text, boolean, integer, integer) to pgrag_api;

-- Contract: the current tenant's queue: {tenant_id, queued, claimed, failed, oldest_enqueued_at}.
create or replace function pgrag.embedding_queue_status()
returns json
language sql
stable
as $$
  select json_build_object(
    'tenant_id', pgrag.current_tenant_id(),
    'queued', count(*) filter (where not q.failed),
    'claimed', count(*) filter (where not q.failed and q.claimed_until >= now()),
    'failed', count(*) filter (where q.failed),
    'oldest_enqueued_at', min(q.enqueued_at) filter (where not q.failed))
    from pgrag.embedding_queue q
   where q.tenant_id = pgrag.current_tenant_id()
$$;
comment on function pgrag.embedding_queue_status() is
  'The current tenant''s embedding queue: queued, claimed and failed entries.';
grant execute on function pgrag.embedding_queue_status() to pgrag_api;
