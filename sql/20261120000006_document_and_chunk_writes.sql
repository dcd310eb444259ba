-- Set-based writes for documents and chunks. Each HTTP write calls one of these functions once:
-- the whole batch travels as one JSON parameter, is unpacked by json_to_recordset and written by
-- one INSERT ... ON CONFLICT per table, so a request is one statement in one transaction. They
-- run as the caller (security invoker), so row level security scopes every row to its tenant.
-- Errors about one item name it in DETAIL by its request path (`chunks[3].document_id`).

-- Keyset pagination needs indexes whose column directions match `order by x desc, id desc`.
drop index pgrag.documents_updated_idx;
drop index pgrag.documents_created_idx;
drop index pgrag.documents_status_idx;
create index documents_updated_idx on pgrag.documents (tenant_id, updated_at desc, id desc);
create index documents_created_idx on pgrag.documents (tenant_id, created_at desc, id desc);
create index documents_status_idx on pgrag.documents (tenant_id, status, updated_at desc, id desc);

-- Internal: writes chunk rows given as a JSON array of objects with the keys id, document_id,
-- chunk_index, content, tokens, file_path (defaults to the document's) and metadata. Their
-- embeddings travel apart, as one text of pgvector literals separated by spaces, aligned with the
-- rows ('' for a row without one; null when no row has one): split by string_to_array, they cost
-- PostgreSQL no JSON parsing, which would otherwise be most of the work for 1536 numbers a row.
-- An existing chunk takes the new values; it keeps its embedding when none is sent and its
-- content is unchanged, and loses it when the content changed (the old vector would describe
-- other text). Rows whose values are all unchanged are not rewritten, which spares the HNSW index
-- a new entry. Returns the number of rows written.
create function pgrag.store_chunks(chunks json, embeddings text)
returns integer
language plpgsql
as $$
declare
  written integer;
begin
  insert into pgrag.chunks as c
    (tenant_id, id, document_id, chunk_index, content, tokens, file_path, metadata, embedding)
  select pgrag.current_tenant_id(), r.id, r.document_id, r.chunk_index, r.content, r.tokens,
         coalesce(r.file_path, d.file_path), coalesce(r.metadata, '{}'),
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
    content = excluded.content,
    tokens = excluded.tokens,
    file_path = excluded.file_path,
    metadata = excluded.metadata,
    embedding = case
      when excluded.embedding is not null then excluded.embedding
      when excluded.content = c.content then c.embedding
    end
  where (c.document_id, c.chunk_index, c.content, c.tokens, c.file_path, c.metadata)
          is distinct from
        (excluded.document_id, excluded.chunk_index, excluded.content, excluded.tokens,
         excluded.file_path, excluded.metadata)
     or (excluded.embedding is not null and excluded.embedding is distinct from c.embedding);
  get diagnostics written = row_count;
  return written;
end
$$;
comment on function pgrag.store_chunks(json, text) is
  'Internal: upserts a JSON array of chunk rows in one statement; returns rows written.';

-- Internal: sets documents.chunks_count from the chunks table for the given documents.
create function pgrag.recount_chunks(document_ids text[])
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

-- Contract: upserts documents and replaces their chunks, all in one transaction.
-- `documents`: JSON array of {id, title, content, source, file_path, metadata}, ids unique.
-- `chunks`, `embeddings`: chunk rows and their embeddings (see store_chunks), each belonging to
-- one of `documents`; after the call a document has exactly the chunks sent with it. A document whose content
-- changed goes back to status pending. Returns, in request order,
-- [{id, status, chunks_count, created}].
create function pgrag.upsert_documents(documents json, chunks json, embeddings text)
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

-- Contract: upserts chunks (and their embeddings, see store_chunks) of existing documents.
-- `documents` lists the distinct document ids
-- the chunks name, each with the request path of its first use ([{id, path}]); an id that is
-- not a document of the tenant is refused with PR404 naming that path. Returns rows written.
create function pgrag.upsert_chunks(documents json, chunks json, embeddings text)
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

-- Contract: attaches embeddings to existing chunks: `items` is [{id, path}], `embeddings` the
-- aligned pgvector literals separated by spaces. An id that is not a chunk of the tenant is
-- refused with PR404 naming its path. Returns rows updated.
create function pgrag.set_chunk_embeddings(items json, embeddings text)
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

-- Contract: deletes chunks by id (a JSON array) and recounts their documents. Returns rows deleted.
create function pgrag.delete_chunks(ids json)
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

-- Contract: deletes documents by id (a JSON array); their chunks go with them (foreign key cascade). Returns
-- rows deleted.
create function pgrag.delete_documents(ids json)
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

-- Contract: sets a document's processing status (LightRAG doc_status). error_msg is replaced,
-- track_id replaced when given, metadata merged into the stored object when given. Returns
-- the document's id, or null when the tenant has no such document.
create function pgrag.set_document_status(
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

grant execute on function
  pgrag.store_chunks(json, text),
  pgrag.recount_chunks(text[]),
  pgrag.upsert_documents(json, json, text),
  pgrag.upsert_chunks(json, json, text),
  pgrag.set_chunk_embeddings(json, text),
  pgrag.delete_chunks(json),
  pgrag.delete_documents(json),
  pgrag.set_document_status(text, text, text, text, jsonb)
to pgrag_api;
