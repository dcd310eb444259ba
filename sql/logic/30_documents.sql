-- Documents and chunks: their tenant policies, the set-based writes and the reads.
--
-- Each HTTP write calls one of these functions once: the whole batch travels as one JSON
-- parameter, is unpacked by json_to_recordset and written by one INSERT ... ON CONFLICT per
-- table, so a request is one statement in one transaction. They run as the caller (security
-- invoker), so row level security scopes every row to its tenant. Errors about one item name it
-- in DETAIL by its request path (`chunks[3].document_id`).

create or replace trigger documents_touch_updated_at before update on pgrag.documents
  for each row execute function pgrag.touch_updated_at();
create or replace trigger chunks_touch_updated_at before update on pgrag.chunks
  for each row execute function pgrag.touch_updated_at();

select pgrag.isolate_by_tenant('pgrag.documents');
select pgrag.isolate_by_tenant('pgrag.chunks');

-- The statistics count every tenant's documents and chunks; only maintenance may, for reading.
grant select on pgrag.documents, pgrag.chunks to pgrag_maintenance;
drop policy if exists "Maintenance counts every tenant's documents" on pgrag.documents;
create policy "Maintenance counts every tenant's documents" on pgrag.documents
  for select to pgrag_maintenance using (true);
drop policy if exists "Maintenance counts every tenant's chunks" on pgrag.chunks;
create policy "Maintenance counts every tenant's chunks" on pgrag.chunks
  for select to pgrag_maintenance using (true);

-- Internal: writes chunk rows given as a JSON array of objects with the keys id, document_id,
-- chunk_index, content, tokens, file_path (defaults to the document's) and metadata; each takes
-- its document's title, which its keyword vector holds (upsert_documents sends a document's
-- chunks with it, so a new title reaches them in the same call). Their
-- embeddings travel apart, as one text of pgvector literals separated by spaces, aligned with the
-- rows ('' for a row without one; null when no row has one): split by string_to_array, they cost
-- PostgreSQL no JSON parsing, which would otherwise be most of the work for 1536 numbers a row.
-- An existing chunk takes the new values; it keeps its embedding when none is sent and its
-- content is unchanged, and loses it when the content changed (the old vector would describe
-- other text). Rows whose values are all unchanged are not rewritten, which spares the HNSW index
-- a new entry. Returns the number of rows written.
create or replace function pgrag.store_chunks(chunks json, embeddings text)
returns integer
language plpgsql
as $$
declare
  written integer;
begin
  insert into pgrag.chunks as c
    (tenant_id, id, document_id, chunk_index, title, content, tokens, file_path, metadata,
     embedding)
  select pgrag.current_tenant_id(), r.id, r.document_id, r.chunk_index, d.title, r.content,
         r.tokens, coalesce(r.file_path, d.file_path), coalesce(r.metadata, '{}'),
         nullif(r.embedding, '')::vector
    from rows from (
           json_to_recordset(chunks) as (id text, document_id text, chunk_index integer,
             content text, tokens integer, file_path text, metadata jsonb),
           unnest(string_to_array(embeddings, ' '))
         ) as r(id, document_id, chunk_index, content, tokens, file_path, metadata, embedding)
    left join pgrag.documents d
      on d.tenant_id = pgrag.current_tenant_id() and d.id = r.document_id
  on conflict (tenant_id, id) do update set
    document_id = excluded.document_id,
    chunk_index = excluded.chunk_index,
    title = excluded.title,
    content = excluded.content,
    tokens = excluded.tokens,
    file_path = excluded.file_path,
    metadata = excluded.metadata,
    embedding = case
      when excluded.embedding is not null then excluded.embedding
      when excluded.content = c.content then c.embedding
    end
  where (c.document_id, c.chunk_index, c.title, c.content, c.tokens, c.file_path, c.metadata)
          is distinct from
        (excluded.document_id, excluded.chunk_index, excluded.title, excluded.content,
         excluded.tokens, excluded.file_path, excluded.metadata)
     or (excluded.embedding is not null and excluded.embedding is distinct from c.embedding);
  get diagnostics written = row_count;
  return written;
end
$$;
comment on function pgrag.store_chunks(json, text) is
  'Internal: upserts a JSON array of chunk rows in one statement; returns rows written.';
grant execute on function pgrag.store_chunks(json, text) to pgrag_api;

-- Internal: sets documents.chunks_count from the chunks table for the given documents.
create or replace function pgrag.recount_chunks(document_ids text[])
returns void
language sql
as $$
  update pgrag.documents d
     set chunks_count = counted.n
    from (select ids.id, (select count(*) from pgrag.chunks c
                           where c.tenant_id = pgrag.current_tenant_id()
                             and c.document_id = ids.id) as n
            from unnest(document_ids) as ids(id)) counted
   where d.tenant_id = pgrag.current_tenant_id()
     and d.id = counted.id
     and d.chunks_count is distinct from counted.n::integer
$$;
comment on function pgrag.recount_chunks(text[]) is
  'Internal: recomputes chunks_count of the given documents of the current tenant.';
grant execute on function pgrag.recount_chunks(text[]) to pgrag_api;

-- Contract: upserts documents and replaces their chunks, all in one transaction.
-- `documents`: JSON array of {id, title, content, source, file_path, metadata}, ids unique.
-- `chunks`, `embeddings`: chunk rows and their embeddings (see store_chunks), each belonging to
-- one of `documents`; after the call a document has exactly the chunks sent with it. A document whose content
-- changed goes back to status pending. Returns, in request order,
-- [{id, status, chunks_count, created}].
create or replace function pgrag.upsert_documents(documents json, chunks json, embeddings text)
returns json
language plpgsql
as $$
declare
  created_ids text[];
  document_ids text[];
  chunk_ids text[];
  outcome json;
begin
  with written as (
    insert into pgrag.documents as d
      (tenant_id, id, title, content, source, file_path, metadata)
    select pgrag.current_tenant_id(), r.id, r.title, r.content, r.source, r.file_path,
           coalesce(r.metadata, '{}')
      from json_to_recordset(documents) as r(id text, title text, content text, source text,
             file_path text, metadata jsonb)
    on conflict (tenant_id, id) do update set
      title = excluded.title,
      content = excluded.content,
      source = excluded.source,
      file_path = excluded.file_path,
      metadata = excluded.metadata,
      status = case when d.content = excluded.content then d.status else 'pending' end,
      error_msg = case when d.content = excluded.content then d.error_msg end
    where (d.title, d.content, d.source, d.file_path, d.metadata)
      is distinct from (excluded.title, excluded.content, excluded.source, excluded.file_path,
                        excluded.metadata)
    returning d.id, xmax = 0 as created
  )
  select coalesce(array_agg(id) filter (where created), '{}') into created_ids from written;

  select array_agg(e.value ->> 'id' order by e.position) into document_ids
    from json_array_elements(documents) with ordinality as e(value, position);

  -- Chunks that the documents no longer have.
  select coalesce(array_agg(r.id), '{}') into chunk_ids from json_to_recordset(chunks) as r(id text);
  delete from pgrag.chunks c
   where c.tenant_id = pgrag.current_tenant_id()
     and c.document_id = any (document_ids)
     and c.id <> all (chunk_ids);

  perform pgrag.store_chunks(chunks, embeddings);
  perform pgrag.recount_chunks(document_ids);

  select json_agg(json_build_object(
           'id', d.id,
           'status', d.status,
           'chunks_count', d.chunks_count,
           'created', d.id = any (created_ids))
         order by ids.position)
    into outcome
    from unnest(document_ids) with ordinality as ids(id, position)
    join pgrag.documents d on d.tenant_id = pgrag.current_tenant_id() and d.id = ids.id;
  return coalesce(outcome, '[]');
end
$$;
comment on function pgrag.upsert_documents(json, json, text) is
  'Upserts documents with their chunks in one statement per table; returns per-document outcome.';
grant execute on function pgrag.upsert_documents(json, json, text) to pgrag_api;

-- Contract: upserts chunks (and their embeddings, see store_chunks) of existing documents.
-- `documents` lists the distinct document ids
-- the chunks name, each with the request path of its first use ([{id, path}]); an id that is
-- not a document of the tenant is refused with PR404 naming that path. Returns rows written.
create or replace function pgrag.upsert_chunks(documents json, chunks json, embeddings text)
returns integer
language plpgsql
as $$
declare
  absent record;
  chunk_ids text[];
  document_ids text[];
  written integer;
begin
  select r.id, r.path into absent
    from rows from (json_to_recordset(documents) as (id text, path text))
           with ordinality as r(id, path, position)
   where not exists (select from pgrag.documents d
                      where d.tenant_id = pgrag.current_tenant_id() and d.id = r.id)
   order by r.position
   limit 1;
  if absent.id is not null then
    raise exception 'document % does not exist', absent.id
      using errcode = 'PR404', detail = absent.path;
  end if;
  -- The documents the chunks come from: those named here and those they may be moved from.
  select coalesce(array_agg(r.id), '{}') into chunk_ids from json_to_recordset(chunks) as r(id text);
  select array_agg(distinct ids.id) into document_ids
    from (select r.id from json_to_recordset(documents) as r(id text)
          union
          select c.document_id from pgrag.chunks c
           where c.tenant_id = pgrag.current_tenant_id() and c.id = any (chunk_ids)) ids;
  written := pgrag.store_chunks(chunks, embeddings);
  perform pgrag.recount_chunks(document_ids);
  return written;
end
$$;
comment on function pgrag.upsert_chunks(json, json, text) is
  'Upserts chunks of existing documents in one statement; returns rows written.';
grant execute on function pgrag.upsert_chunks(json, json, text) to pgrag_api;

-- Contract: attaches embeddings to existing chunks: `items` is [{id, path}], `embeddings` the
-- aligned pgvector literals separated by spaces. An id that is not a chunk of the tenant is
-- refused with PR404 naming its path. Returns rows updated.
create or replace function pgrag.set_chunk_embeddings(items json, embeddings text)
returns integer
language plpgsql
as $$
declare
  absent record;
  updated integer;
begin
  select r.id, r.path into absent
    from rows from (json_to_recordset(items) as (id text, path text))
           with ordinality as r(id, path, position)
   where not exists (select from pgrag.chunks c
                      where c.tenant_id = pgrag.current_tenant_id() and c.id = r.id)
   order by r.position
   limit 1;
  if absent.id is not null then
    raise exception 'chunk % does not exist', absent.id using errcode = 'PR404', detail = absent.path;
  end if;
  update pgrag.chunks c
     set embedding = r.embedding::vector
    from rows from (json_to_recordset(items) as (id text),
                    unnest(string_to_array(embeddings, ' '))) as r(id, embedding)
   where c.tenant_id = pgrag.current_tenant_id()
     and c.id = r.id
     and c.embedding is distinct from r.embedding::vector;
  get diagnostics updated = row_count;
  return updated;
end
$$;
comment on function pgrag.set_chunk_embeddings(json, text) is
  'Sets the embeddings of existing chunks in one statement; returns rows updated.';
grant execute on function pgrag.set_chunk_embeddings(json, text) to pgrag_api;

-- Contract: deletes chunks by id (a JSON array) and recounts their documents. Returns rows deleted.
create or replace function pgrag.delete_chunks(ids json)
returns integer
language plpgsql
as $$
declare
  removed integer;
  document_ids text[];
begin
  with deleted as (
    delete from pgrag.chunks c
     where c.tenant_id = pgrag.current_tenant_id()
       and c.id in (select json_array_elements_text(ids))
    returning c.document_id
  )
  select count(*), coalesce(array_agg(distinct document_id), '{}')
    into removed, document_ids
    from deleted;
  perform pgrag.recount_chunks(document_ids);
  return removed;
end
$$;
comment on function pgrag.delete_chunks(json) is
  'Deletes chunks of the current tenant by id; returns rows deleted.';
grant execute on function pgrag.delete_chunks(json) to pgrag_api;

-- Contract: deletes documents by id (a JSON array); their chunks go with them (foreign key cascade). Returns
-- rows deleted.
create or replace function pgrag.delete_documents(ids json)
returns integer
language sql
as $$
  with deleted as (
    delete from pgrag.documents d
     where d.tenant_id = pgrag.current_tenant_id()
       and d.id in (select json_array_elements_text(ids))
    returning 1
  )
  select count(*)::integer from deleted
$$;
comment on function pgrag.delete_documents(json) is
  'Deletes documents of the current tenant by id, with their chunks; returns rows deleted.';
grant execute on function pgrag.delete_documents(json) to pgrag_api;

-- Contract: sets a document's processing status (LightRAG doc_status). error_msg is replaced,
-- track_id replaced when given, metadata merged into the stored object when given. Returns
-- the document's id, or null when the tenant has no such document.
create or replace function pgrag.set_document_status(
  document_id text, new_status text, new_error_msg text, new_track_id text, extra_metadata jsonb)
returns text
language sql
as $$
  update pgrag.documents d
     set status = new_status,
         error_msg = new_error_msg,
         track_id = coalesce(new_track_id, d.track_id),
         metadata = d.metadata || coalesce(extra_metadata, '{}')
   where d.tenant_id = pgrag.current_tenant_id() and d.id = document_id
  returning d.id
$$;
comment on function pgrag.set_document_status(text, text, text, text, jsonb) is
  'Updates the processing status of one document of the current tenant.';
grant execute on function pgrag.set_document_status(text, text, text, text, jsonb) to pgrag_api;

-- Reads of documents and chunks, shaped in SQL as the JSON the API answers with, so a handler
-- passes results through and every driver returns the same values (timestamps as RFC 3339 text
-- in UTC, embeddings as JSON arrays). Security invoker: row level security applies.

-- Contract: a document as the API shows it; without `content` when include_content is false.
create or replace function pgrag.document_json(d pgrag.documents, include_content boolean)
returns jsonb
language sql
stable
as $$
  select case when include_content then jsonb_build_object('content', d.content) else '{}' end
    || jsonb_build_object(
      'id', d.id,
      'title', d.title,
      'source', d.source,
      'file_path', d.file_path,
      'metadata', d.metadata,
      'content_hash', d.content_hash,
      'status', d.status,
      'chunks_count', d.chunks_count,
      'embedded_chunks', (select count(*) from pgrag.chunks c
                           where c.tenant_id = d.tenant_id and c.document_id = d.id
                             and c.embedding is not null),
      'error_msg', d.error_msg,
      'track_id', d.track_id,
      'created_at', d.created_at,
      'updated_at', d.updated_at)
$$;
comment on function pgrag.document_json(pgrag.documents, boolean) is
  'A document row as the API returns it.';
grant execute on function pgrag.document_json(pgrag.documents, boolean) to pgrag_api;

-- Contract: the documents with these ids (a JSON array of strings), aligned with it, null for
-- ids the tenant does not have.
create or replace function pgrag.get_documents(ids json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(case when d.id is null then null
                                else pgrag.document_json(d, true) end
                           order by requested.position), '[]')
    from json_array_elements_text(ids) with ordinality as requested(id, position)
    left join pgrag.documents d
      on d.tenant_id = pgrag.current_tenant_id() and d.id = requested.id
$$;
comment on function pgrag.get_documents(json) is
  'Documents by id, aligned with the request, null where missing.';
grant execute on function pgrag.get_documents(json) to pgrag_api;

-- Contract: the ids of a JSON array that the tenant has no document for, once each, in order.
create or replace function pgrag.missing_documents(ids json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(requested.id order by requested.position), '[]')
    from (select id, min(position) as position
            from json_array_elements_text(ids) with ordinality as e(id, position)
           group by id) requested
   where not exists (select from pgrag.documents d
                      where d.tenant_id = pgrag.current_tenant_id() and d.id = requested.id)
$$;
comment on function pgrag.missing_documents(json) is 'The requested document ids not stored.';
grant execute on function pgrag.missing_documents(json) to pgrag_api;

-- Contract: one page of documents (without content), newest first by updated_at or created_at,
-- or by id. Keyset pagination: `after_value` (the sort column's value as RFC 3339 text; unused
-- when sorting by id) and `after_id` are those of the last row of the previous page. Returns
-- {items, next: {value, id} | null}.
create or replace function pgrag.list_documents(
  status_filter text, track_id_filter text, file_path_filter text, sort text,
  after_value text, after_id text, page_size integer)
returns json
language plpgsql
stable
as $$
declare
  sort_column text := case sort when 'updated_at_desc' then 'updated_at'
                                when 'created_at_desc' then 'created_at' end;
  ordering text := case when sort_column is null then 'd.id'
                        else format('d.%I desc, d.id desc', sort_column) end;
  page pgrag.documents[];
  last_row pgrag.documents;
  next_key json;
begin
  if sort not in ('updated_at_desc', 'created_at_desc', 'id') then
    raise exception 'unknown order %', sort using errcode = 'PR400', detail = 'order';
  end if;
  -- Only fixed fragments reach the text; every value is a parameter.
  execute format(
    'select array_agg(d order by %1$s) from ('
    '  select d.* from pgrag.documents d'
    '   where d.tenant_id = pgrag.current_tenant_id()'
    '     and ($1::text is null or d.status = $1)'
    '     and ($2::text is null or d.track_id = $2)'
    '     and ($3::text is null or d.file_path = $3)'
    '     and %2$s'
    '   order by %1$s limit $6) d',
    ordering,
    case
      when after_id is null then 'true'
      when sort_column is null then 'd.id > $5'
      else format('(d.%I, d.id) < ($4::timestamptz, $5)', sort_column)
    end)
    into page
    using status_filter, track_id_filter, file_path_filter, after_value, after_id, page_size + 1;
  page := coalesce(page, '{}');
  if cardinality(page) > page_size then
    page := page[1:page_size];
    last_row := page[page_size];
    next_key := json_build_object(
      'value', to_char(case sort_column when 'updated_at' then last_row.updated_at
                                         when 'created_at' then last_row.created_at end
                       at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'id', last_row.id);
  end if;
  return json_build_object(
    'items', (select coalesce(json_agg(pgrag.document_json(page[i], false) order by i), '[]')
                from generate_subscripts(page, 1) as i),
    'next', next_key);
end
$$;
comment on function pgrag.list_documents(text, text, text, text, text, text, integer) is
  'One keyset page of documents of the current tenant, with the key of the next page.';
grant execute on function pgrag.list_documents(text, text, text, text, text, text, integer) to pgrag_api;

-- Contract: how many documents of the tenant are in each processing status.
create or replace function pgrag.document_status_counts()
returns json
language sql
stable
as $$
  select json_build_object(
    'pending', count(*) filter (where d.status = 'pending'),
    'processing', count(*) filter (where d.status = 'processing'),
    'processed', count(*) filter (where d.status = 'processed'),
    'failed', count(*) filter (where d.status = 'failed'),
    'all', count(*))
  from pgrag.documents d
  where d.tenant_id = pgrag.current_tenant_id()
$$;
comment on function pgrag.document_status_counts() is
  'Document counts per processing status for the current tenant.';
grant execute on function pgrag.document_status_counts() to pgrag_api;

-- Contract: a chunk as the API shows it, with its embedding as a JSON array when asked.
create or replace function pgrag.chunk_json(c pgrag.chunks, include_embedding boolean)
returns jsonb
language sql
stable
as $$
  select jsonb_build_object(
      'id', c.id,
      'document_id', c.document_id,
      'chunk_index', c.chunk_index,
      'content', c.content,
      'tokens', c.tokens,
      'file_path', c.file_path,
      'metadata', c.metadata,
      'has_embedding', c.embedding is not null,
      'created_at', c.created_at,
      'updated_at', c.updated_at)
    || case when include_embedding
            then jsonb_build_object('embedding', c.embedding::text::jsonb)
            else '{}' end
$$;
comment on function pgrag.chunk_json(pgrag.chunks, boolean) is 'A chunk row as the API returns it.';
grant execute on function pgrag.chunk_json(pgrag.chunks, boolean) to pgrag_api;

-- Contract: the chunks with these ids (a JSON array of strings), aligned, null where missing.
create or replace function pgrag.get_chunks(ids json, include_embedding boolean)
returns json
language sql
stable
as $$
  select coalesce(json_agg(case when c.id is null then null
                                else pgrag.chunk_json(c, include_embedding) end
                           order by requested.position), '[]')
    from json_array_elements_text(ids) with ordinality as requested(id, position)
    left join pgrag.chunks c
      on c.tenant_id = pgrag.current_tenant_id() and c.id = requested.id
$$;
comment on function pgrag.get_chunks(json, boolean) is
  'Chunks by id, aligned with the request, null where missing.';
grant execute on function pgrag.get_chunks(json, boolean) to pgrag_api;

-- Contract: the ids of a JSON array that the tenant has no chunk for, once each, in order.
create or replace function pgrag.missing_chunks(ids json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(requested.id order by requested.position), '[]')
    from (select id, min(position) as position
            from json_array_elements_text(ids) with ordinality as e(id, position)
           group by id) requested
   where not exists (select from pgrag.chunks c
                      where c.tenant_id = pgrag.current_tenant_id() and c.id = requested.id)
$$;
comment on function pgrag.missing_chunks(json) is 'The requested chunk ids not stored.';
grant execute on function pgrag.missing_chunks(json) to pgrag_api;
