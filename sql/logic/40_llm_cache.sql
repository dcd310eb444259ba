-- LightRAG's llm_response_cache: entries keyed per tenant, read and written through these
-- functions under the tenant policy.

-- No updated_at trigger: counting a hit is not an update of the entry.

select pgrag.isolate_by_tenant('pgrag.llm_cache');

-- Contract: a cache entry as the API shows it.
create or replace function pgrag.cache_entry_json(e pgrag.llm_cache)
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'key', e.key,
    'cache_type', e.cache_type,
    'prompt', e.prompt,
    'response', e.response,
    'chunk_id', e.chunk_id,
    'params', e.params,
    'hits', e.hits,
    'created_at', e.created_at,
    'updated_at', e.updated_at)
$$;
comment on function pgrag.cache_entry_json(pgrag.llm_cache) is
  'A cache entry as the API returns it.';
grant execute on function pgrag.cache_entry_json(pgrag.llm_cache) to pgrag_api;

-- Contract: stores or replaces the entry under `entry_key`; hits are kept on replace.
create or replace function pgrag.put_cache_entry(
  entry_key text, entry_type text, entry_prompt text, entry_response text,
  entry_chunk_id text, entry_params jsonb)
returns jsonb
language sql
as $$
  insert into pgrag.llm_cache as e (tenant_id, key, cache_type, prompt, response, chunk_id, params)
  values (pgrag.current_tenant_id(), entry_key, entry_type, entry_prompt, entry_response,
          entry_chunk_id, coalesce(entry_params, '{}'))
  on conflict (tenant_id, key) do update set
    cache_type = excluded.cache_type,
    prompt = excluded.prompt,
    response = excluded.response,
    chunk_id = excluded.chunk_id,
    params = excluded.params,
    updated_at = now()
  returning pgrag.cache_entry_json(e)
$$;
comment on function pgrag.put_cache_entry(text, text, text, text, text, jsonb) is
  'Upserts one cache entry of the current tenant.';
grant execute on function pgrag.put_cache_entry(text, text, text, text, text, jsonb) to pgrag_api;

-- Contract: the entry under `entry_key`, counting the hit; null when there is none.
create or replace function pgrag.read_cache_entry(entry_key text)
returns jsonb
language sql
as $$
  update pgrag.llm_cache e
     set hits = e.hits + 1
   where e.tenant_id = pgrag.current_tenant_id() and e.key = entry_key
  returning pgrag.cache_entry_json(e)
$$;
comment on function pgrag.read_cache_entry(text) is
  'Reads one cache entry of the current tenant and counts the hit.';
grant execute on function pgrag.read_cache_entry(text) to pgrag_api;

-- Contract: deletes the entries whose key is in `keys` (a JSON array, or null for any key) and
-- whose type is `entry_type` (or any type when null). Returns rows deleted.
create or replace function pgrag.delete_cache_entries(keys json, entry_type text)
returns integer
language sql
as $$
  with deleted as (
    delete from pgrag.llm_cache e
     where e.tenant_id = pgrag.current_tenant_id()
       and (keys is null or e.key in (select json_array_elements_text(keys)))
       and (entry_type is null or e.cache_type = entry_type)
    returning 1
  )
  select count(*)::integer from deleted
$$;
comment on function pgrag.delete_cache_entries(json, text) is
  'Deletes cache entries of the current tenant by keys and/or type; returns rows deleted.';
grant execute on function pgrag.delete_cache_entries(json, text) to pgrag_api;
