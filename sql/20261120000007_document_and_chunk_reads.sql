-- Reads of documents and chunks, shaped in SQL as the JSON the API answers with, so a handler
-- passes results through and every driver returns the same values (timestamps as RFC 3339 text
-- in UTC, embeddings as JSON arrays). Security invoker: row level security applies.

-- Contract: a document as the API shows it; without `content` when include_content is false.
create function pgrag.document_json(d pgrag.documents, include_content boolean)
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

-- Contract: the documents with these ids (a JSON array of strings), aligned with it, null for
-- ids the tenant does not have.
create function pgrag.get_documents(ids json)
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

-- Contract: the ids of a JSON array that the tenant has no document for, once each, in order.
create function pgrag.missing_documents(ids json)
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

-- Contract: one page of documents (without content), newest first by updated_at or created_at,
-- or by id. Keyset pagination: `after_value` (the sort column's value as RFC 3339 text; unused
-- when sorting by id) and `after_id` are those of the last row of the previous page. Returns
-- {items, next: {value, id} | null}.
create function pgrag.list_documents(
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

-- Contract: how many documents of the tenant are in each processing status.
create function pgrag.document_status_counts()
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

-- Contract: a chunk as the API shows it, with its embedding as a JSON array when asked.
create function pgrag.chunk_json(c pgrag.chunks, include_embedding boolean)
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

-- Contract: the chunks with these ids (a JSON array of strings), aligned, null where missing.
create function pgrag.get_chunks(ids json, include_embedding boolean)
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

-- Contract: the ids of a JSON array that the tenant has no chunk for, once each, in order.
create function pgrag.missing_chunks(ids json)
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

grant execute on function
  pgrag.document_json(pgrag.documents, boolean),
  pgrag.get_documents(json),
  pgrag.missing_documents(json),
  pgrag.list_documents(text, text, text, text, text, text, integer),
  pgrag.document_status_counts(),
  pgrag.chunk_json(pgrag.chunks, boolean),
  pgrag.get_chunks(json, boolean),
  pgrag.missing_chunks(json)
to pgrag_api;
