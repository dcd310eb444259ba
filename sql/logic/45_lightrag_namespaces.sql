-- LightRAG's key-value and vector namespaces (migration 20261203000200): each function is one
-- adapter call of clients/python/, one statement under the tenant policy.

select pgrag.isolate_by_tenant('pgrag.kv_entries');
select pgrag.isolate_by_tenant('pgrag.namespace_vectors');

-- Contract: upserts `entries` (a JSON object id -> record object) into namespace `ns`; a record
-- replaces the stored one whole (LightRAG writes complete records). Returns rows written.
create or replace function pgrag.upsert_kv_entries(ns text, entries jsonb)
returns integer
language sql
as $$
  with written as (
    insert into pgrag.kv_entries as k (tenant_id, namespace, id, value)
    select pgrag.current_tenant_id(), ns, e.key, e.value from jsonb_each(entries) e
    on conflict (tenant_id, namespace, id) do update
      set value = excluded.value, updated_at = now()
    returning 1
  )
  select count(*)::integer from written
$$;
comment on function pgrag.upsert_kv_entries(text, jsonb) is
  'Upserts LightRAG key-value records of one namespace of the current tenant.';
grant execute on function pgrag.upsert_kv_entries(text, jsonb) to pgrag_api;

-- Contract: the records of `ids` (a JSON array) in namespace `ns`, aligned with it, null where
-- missing; each record carries its `id` and stored `created_at`/`updated_at` unless it has them.
create or replace function pgrag.get_kv_entries(ns text, ids json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(
           case when k.id is null then null
                else jsonb_build_object('id', k.id,
                       'created_at', extract(epoch from k.created_at)::bigint,
                       'updated_at', extract(epoch from k.updated_at)::bigint) || k.value
           end order by i.n), '[]')
    from json_array_elements_text(ids) with ordinality as i(id, n)
    left join pgrag.kv_entries k
      on k.tenant_id = pgrag.current_tenant_id() and k.namespace = ns and k.id = i.id
$$;
comment on function pgrag.get_kv_entries(text, json) is
  'LightRAG key-value records of one namespace by ids, aligned, null where missing.';
grant execute on function pgrag.get_kv_entries(text, json) to pgrag_api;

-- Contract: the ids of `ids` (a JSON array) not stored in namespace `ns`.
create or replace function pgrag.missing_kv_entries(ns text, ids json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(distinct i.id), '[]')
    from json_array_elements_text(ids) i(id)
   where not exists (select from pgrag.kv_entries k
                      where k.tenant_id = pgrag.current_tenant_id() and k.namespace = ns
                        and k.id = i.id)
$$;
comment on function pgrag.missing_kv_entries(text, json) is
  'Ids of a list not stored in one LightRAG key-value namespace of the current tenant.';
grant execute on function pgrag.missing_kv_entries(text, json) to pgrag_api;

-- Contract: deletes the records of `ids` (a JSON array, or null for all: LightRAG's drop) from
-- namespace `ns`. Returns rows deleted.
create or replace function pgrag.delete_kv_entries(ns text, ids json)
returns integer
language sql
as $$
  with deleted as (
    delete from pgrag.kv_entries k
     where k.tenant_id = pgrag.current_tenant_id() and k.namespace = ns
       and (ids is null or k.id in (select json_array_elements_text(ids)))
    returning 1
  )
  select count(*)::integer from deleted
$$;
comment on function pgrag.delete_kv_entries(text, json) is
  'Deletes LightRAG key-value records of one namespace by ids, or all of them when ids is null.';
grant execute on function pgrag.delete_kv_entries(text, json) to pgrag_api;

-- Contract: one page of namespace `ns`: records whose value contains `match` (jsonb
-- containment, e.g. {"status": "processed"}), sorted by `sort_field` of the record (or the id)
-- ascending or descending, `page_size` from `skip`; with the total that match and the count of
-- every value of `count_field` (doc status counts) among them. {items, total, counts}.
create or replace function pgrag.query_kv_entries(
  ns text, match jsonb, sort_field text, descending boolean, skip integer, page_size integer,
  count_field text)
returns json
language sql
stable
as $$
  with matching as (
    select k.id, k.value, k.created_at, k.updated_at
      from pgrag.kv_entries k
     where k.tenant_id = pgrag.current_tenant_id() and k.namespace = ns
       and k.value @> coalesce(match, '{}')
  ), page as (
    select m.* from matching m
     order by case when not descending then coalesce(m.value ->> sort_field, m.id) end,
              case when descending then coalesce(m.value ->> sort_field, m.id) end desc,
              m.id
     offset skip limit page_size
  )
  select json_build_object(
    'items', (select coalesce(json_agg(jsonb_build_object('id', p.id) || p.value
                                       order by
                                         case when not descending
                                              then coalesce(p.value ->> sort_field, p.id) end,
                                         case when descending
                                              then coalesce(p.value ->> sort_field, p.id) end desc,
                                         p.id), '[]') from page p),
    'total', (select count(*) from matching),
    'counts', (select coalesce(json_object_agg(c.v, c.n), '{}')
                 from (select m.value ->> count_field as v, count(*) as n from matching m
                        where count_field is not null and m.value ? count_field
                        group by 1) c))
$$;
comment on function pgrag.query_kv_entries(text, jsonb, text, boolean, integer, integer, text) is
  'A sorted page of one LightRAG key-value namespace by containment, with total and counts.';
grant execute on function pgrag.query_kv_entries(text, jsonb, text, boolean, integer, integer, text)
  to pgrag_api;

-- Contract: upserts `records` (a JSON array of {id, content, metadata, embedding as pgvector
-- text}) into vector namespace `ns`, each replacing the stored one. Returns rows written.
create or replace function pgrag.upsert_namespace_vectors(ns text, records json)
returns integer
language sql
as $$
  with written as (
    insert into pgrag.namespace_vectors as v (tenant_id, namespace, id, content, metadata, embedding)
    select pgrag.current_tenant_id(), ns, r.id, coalesce(r.content, ''),
           coalesce(r.metadata, '{}'), r.embedding::vector
      from json_to_recordset(records) as r(id text, content text, metadata jsonb, embedding text)
    on conflict (tenant_id, namespace, id) do update
      set content = excluded.content, metadata = excluded.metadata,
          embedding = excluded.embedding, updated_at = now()
    returning 1
  )
  select count(*)::integer from written
$$;
comment on function pgrag.upsert_namespace_vectors(text, json) is
  'Upserts LightRAG vector records of one namespace of the current tenant.';
grant execute on function pgrag.upsert_namespace_vectors(text, json) to pgrag_api;

-- Internal: a vector record as the API shows it, with its embedding when asked.
create or replace function pgrag.namespace_vector_json(v pgrag.namespace_vectors, with_embedding boolean)
returns jsonb
language sql
stable
as $$
  select jsonb_build_object('id', v.id, 'content', v.content, 'metadata', v.metadata,
           'created_at', extract(epoch from v.created_at)::bigint)
         || case when with_embedding
                 then jsonb_build_object('embedding', v.embedding::text::jsonb) else '{}' end
$$;
comment on function pgrag.namespace_vector_json(pgrag.namespace_vectors, boolean) is
  'A LightRAG vector record as the API returns it.';
grant execute on function pgrag.namespace_vector_json(pgrag.namespace_vectors, boolean) to pgrag_api;

-- Contract: the records of `ids` (a JSON array) in vector namespace `ns`, aligned, null where
-- missing, with their embeddings when `with_embedding`.
create or replace function pgrag.get_namespace_vectors(ns text, ids json, with_embedding boolean)
returns json
language sql
stable
as $$
  select coalesce(json_agg(case when v.id is null then null
                                else pgrag.namespace_vector_json(v, with_embedding) end
                           order by i.n), '[]')
    from json_array_elements_text(ids) with ordinality as i(id, n)
    left join pgrag.namespace_vectors v
      on v.tenant_id = pgrag.current_tenant_id() and v.namespace = ns and v.id = i.id
$$;
comment on function pgrag.get_namespace_vectors(text, json, boolean) is
  'LightRAG vector records of one namespace by ids, aligned, null where missing.';
grant execute on function pgrag.get_namespace_vectors(text, json, boolean) to pgrag_api;

-- Contract: the `match_count` records of vector namespace `ns` nearest to `query_embedding`
-- (pgvector text) with a cosine similarity above `min_similarity`, best first, each with its
-- `similarity` and `distance`. The ranking is exact within the tenant's namespace.
create or replace function pgrag.query_namespace_vectors(
  ns text, query_embedding text, match_count integer, min_similarity double precision)
returns json
language sql
stable
as $$
  select coalesce(json_agg(pgrag.namespace_vector_json(n.v, false)
                           || jsonb_build_object('similarity', 1 - n.distance,
                                                 'distance', n.distance)
                           order by n.distance, (n.v).id), '[]')
    from (select ranked.v, ranked.distance
            -- `offset 0` keeps the ranking exact: the HNSW index cannot serve it and then stop
            -- short of match_count rows of this tenant's namespace.
            from (select v, v.embedding <=> query_embedding::vector as distance
                    from pgrag.namespace_vectors v
                   where v.tenant_id = pgrag.current_tenant_id() and v.namespace = ns
                  offset 0) ranked
           where 1 - ranked.distance > coalesce(min_similarity, -2)
           order by ranked.distance, (ranked.v).id
           limit match_count) n
$$;
comment on function pgrag.query_namespace_vectors(text, text, integer, double precision) is
  'The records of one LightRAG vector namespace nearest to an embedding, best first.';
grant execute on function pgrag.query_namespace_vectors(text, text, integer, double precision)
  to pgrag_api;

-- Contract: deletes from vector namespace `ns` the records of `ids` (a JSON array), or null for
-- none, and also those whose metadata names `entity_name` as entity_name (delete_entity) or,
-- when `as_endpoint`, as src_id or tgt_id (delete_entity_relation). Returns rows deleted.
create or replace function pgrag.delete_namespace_vectors(
  ns text, ids json, entity_name text, as_endpoint boolean)
returns integer
language sql
as $$
  with deleted as (
    delete from pgrag.namespace_vectors v
     where v.tenant_id = pgrag.current_tenant_id() and v.namespace = ns
       and (v.id in (select json_array_elements_text(ids))
            or (not as_endpoint and v.metadata ->> 'entity_name' = entity_name)
            or (as_endpoint and (v.metadata ->> 'src_id' = entity_name
                                 or v.metadata ->> 'tgt_id' = entity_name)))
    returning 1
  )
  select count(*)::integer from deleted
$$;
comment on function pgrag.delete_namespace_vectors(text, json, text, boolean) is
  'Deletes LightRAG vector records of one namespace by ids or by the entity they name.';
grant execute on function pgrag.delete_namespace_vectors(text, json, text, boolean) to pgrag_api;

-- Contract: deletes every record of vector namespace `ns` (LightRAG's drop). Rows deleted.
create or replace function pgrag.drop_namespace_vectors(ns text)
returns integer
language sql
as $$
  with deleted as (
    delete from pgrag.namespace_vectors v
     where v.tenant_id = pgrag.current_tenant_id() and v.namespace = ns
    returning 1
  )
  select count(*)::integer from deleted
$$;
comment on function pgrag.drop_namespace_vectors(text) is
  'Deletes every record of one LightRAG vector namespace of the current tenant.';
grant execute on function pgrag.drop_namespace_vectors(text) to pgrag_api;
