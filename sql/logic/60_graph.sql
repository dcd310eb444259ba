-- The knowledge graph (LightRAG's graph storage): entities and undirected relations in plain
-- tables under the tenant policies. Writes are set-based (one statement per batch), traversals
-- are SQL over B-tree indexes, degrees are kept by triggers, and nothing depends on a graph
-- extension.

create or replace trigger entities_touch_updated_at before update on pgrag.entities
  for each row execute function pgrag.touch_updated_at();
create or replace trigger relations_touch_updated_at before update on pgrag.relations
  for each row execute function pgrag.touch_updated_at();

select pgrag.isolate_by_tenant('pgrag.entities');
select pgrag.isolate_by_tenant('pgrag.relations');

-- Trigger: adds the statement's inserted relations to their endpoints' degrees and takes the
-- deleted ones away. Endpoints are locked in id order first, so two writers touching the same
-- hub entities queue instead of deadlocking. The lock is FOR NO KEY UPDATE, the one the degree
-- update takes: it does not conflict with the KEY SHARE locks that every writer's foreign key
-- checks already hold on the same endpoints (FOR UPDATE would, and deadlock two writers).
create or replace function pgrag.count_degrees()
returns trigger
language plpgsql
as $$
declare
  changes jsonb;
begin
  if tg_op = 'INSERT' then
    select jsonb_agg(t) into changes
      from (select tenant_id, id, count(*) as delta
              from (select tenant_id, source_id as id from new_rows
                    union all select tenant_id, target_id from new_rows) ends
             group by tenant_id, id) t;
  else
    select jsonb_agg(t) into changes
      from (select tenant_id, id, -count(*) as delta
              from (select tenant_id, source_id as id from old_rows
                    union all select tenant_id, target_id from old_rows) ends
             group by tenant_id, id) t;
  end if;
  if changes is null then
    return null;
  end if;
  perform 1
     from pgrag.entities e
     join jsonb_to_recordset(changes) as c(tenant_id uuid, id bigint, delta integer)
       on e.tenant_id = c.tenant_id and e.id = c.id
    order by e.tenant_id, e.id
      for no key update of e;
  update pgrag.entities e
     set degree = e.degree + c.delta
    from jsonb_to_recordset(changes) as c(tenant_id uuid, id bigint, delta integer)
   where e.tenant_id = c.tenant_id and e.id = c.id;
  return null;
end
$$;
comment on function pgrag.count_degrees() is
  'Trigger: keeps pgrag.entities.degree in step with the relations a statement wrote.';
create or replace trigger relations_degree_insert after insert on pgrag.relations
  referencing new table as new_rows
  for each statement execute function pgrag.count_degrees();
create or replace trigger relations_degree_delete after delete on pgrag.relations
  referencing old table as old_rows
  for each statement execute function pgrag.count_degrees();

-- Internal: `existing` followed by the ids of `added` it lacks, each once, in first-seen order.
create or replace function pgrag.union_ids(existing text[], added text[])
returns text[]
language sql
immutable
parallel safe
as $$
  select coalesce(array_agg(id order by first_seen), '{}')
    from (select id, min(n) as first_seen
            from unnest(coalesce(existing, '{}') || coalesce(added, '{}')) with ordinality u(id, n)
           group by id) ids
$$;
comment on function pgrag.union_ids(text[], text[]) is
  'Internal: existing ids followed by the added ones they lack, in first-seen order.';
grant execute on function pgrag.union_ids(text[], text[]) to pgrag_api;

-- Contract: upserts a JSON array of entities {name, entity_type, description, source_chunk_ids,
-- file_path, properties} with their embeddings apart (pgvector literals separated by spaces,
-- aligned, '' for none; null when none has one). LightRAG's merge: properties merged,
-- source_chunk_ids unioned, every other field replaced when given and kept when not. Names must
-- be unique within the batch. Returns the number of entities written.
create or replace function pgrag.upsert_entities(entities json, embeddings text)
returns integer
language plpgsql
as $$
declare
  written integer;
begin
  insert into pgrag.entities as e
    (tenant_id, name, entity_type, description, source_chunk_ids, file_path, properties, embedding)
  select pgrag.current_tenant_id(), r.name, r.entity_type, r.description,
         pgrag.union_ids('{}', r.source_chunk_ids), r.file_path, coalesce(r.properties, '{}'),
         nullif(r.embedding, '')::vector
    from rows from (
           json_to_recordset(entities) as (name text, entity_type text, description text,
             source_chunk_ids text[], file_path text, properties jsonb),
           unnest(string_to_array(embeddings, ' '))
         ) as r(name, entity_type, description, source_chunk_ids, file_path, properties, embedding)
   order by r.name
  on conflict (tenant_id, name) do update set
    entity_type = coalesce(excluded.entity_type, e.entity_type),
    description = coalesce(excluded.description, e.description),
    source_chunk_ids = pgrag.union_ids(e.source_chunk_ids, excluded.source_chunk_ids),
    file_path = coalesce(excluded.file_path, e.file_path),
    properties = e.properties || excluded.properties,
    embedding = coalesce(excluded.embedding, e.embedding)
  -- An entity the batch would not change is not rewritten (nor its updated_at).
  where (coalesce(excluded.entity_type, e.entity_type),
         coalesce(excluded.description, e.description),
         pgrag.union_ids(e.source_chunk_ids, excluded.source_chunk_ids),
         coalesce(excluded.file_path, e.file_path), e.properties || excluded.properties)
          is distinct from
        (e.entity_type, e.description, e.source_chunk_ids, e.file_path, e.properties)
     or (excluded.embedding is not null and excluded.embedding is distinct from e.embedding);
  get diagnostics written = row_count;
  return written;
end
$$;
comment on function pgrag.upsert_entities(json, text) is
  'Upserts a batch of entities of the current tenant with LightRAG''s merge; returns rows written.';
grant execute on function pgrag.upsert_entities(json, text) to pgrag_api;

-- Internal: the relations of an upsert as rows, with their embeddings (see upsert_entities).
create or replace function pgrag.relation_batch(relations json, embeddings text)
returns table (source text, target text, description text, keywords text,
               weight double precision, source_chunk_ids text[], file_path text,
               properties jsonb, embedding text, n bigint)
language sql
immutable
as $$
  select *
    from rows from (
           json_to_recordset(relations) as (source text, target text, description text,
             keywords text, weight double precision, source_chunk_ids text[], file_path text,
             properties jsonb),
           unnest(string_to_array(embeddings, ' '))
         ) with ordinality
$$;
comment on function pgrag.relation_batch(json, text) is
  'Internal: the relations of an upsert as rows, with their embeddings.';
grant execute on function pgrag.relation_batch(json, text) to pgrag_api;

-- Contract: upserts a JSON array of relations {source, target, description, keywords, weight,
-- source_chunk_ids, file_path, properties} with embeddings as in upsert_entities. Endpoints that
-- do not exist are created, carrying the relation's source_chunk_ids and file_path (so they go
-- with it when its document is deleted). (a, b) and (b, a) are one edge; each pair at most once
-- per batch, and never an entity with itself. Merge as for entities; returns rows written.
create or replace function pgrag.upsert_relations(relations json, embeddings text)
returns integer
language plpgsql
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  written integer;
begin
  insert into pgrag.entities (tenant_id, name, source_chunk_ids, file_path)
  select tenant, ends.name, pgrag.union_ids('{}', ends.source_chunk_ids), ends.file_path
    from (select distinct on (e.name) e.name, b.source_chunk_ids, b.file_path
            from pgrag.relation_batch(relations, null) b,
                 lateral (values (b.source), (b.target)) as e(name)
           order by e.name, b.n) ends
   where not exists (select from pgrag.entities x where x.tenant_id = tenant and x.name = ends.name)
   order by ends.name
  on conflict (tenant_id, name) do nothing;

  insert into pgrag.relations as r
    (tenant_id, source_id, target_id, description, keywords, weight, source_chunk_ids, file_path,
     properties, embedding)
  select tenant, least(s.id, t.id), greatest(s.id, t.id), b.description, b.keywords, b.weight,
         pgrag.union_ids('{}', b.source_chunk_ids), b.file_path, coalesce(b.properties, '{}'),
         nullif(b.embedding, '')::vector
    from pgrag.relation_batch(relations, embeddings) b
    join pgrag.entities s on s.tenant_id = tenant and s.name = b.source
    join pgrag.entities t on t.tenant_id = tenant and t.name = b.target
   order by least(s.id, t.id), greatest(s.id, t.id)
  on conflict (tenant_id, source_id, target_id) do update set
    description = coalesce(excluded.description, r.description),
    keywords = coalesce(excluded.keywords, r.keywords),
    weight = coalesce(excluded.weight, r.weight),
    source_chunk_ids = pgrag.union_ids(r.source_chunk_ids, excluded.source_chunk_ids),
    file_path = coalesce(excluded.file_path, r.file_path),
    properties = r.properties || excluded.properties,
    embedding = coalesce(excluded.embedding, r.embedding)
  where (coalesce(excluded.description, r.description), coalesce(excluded.keywords, r.keywords),
         coalesce(excluded.weight, r.weight),
         pgrag.union_ids(r.source_chunk_ids, excluded.source_chunk_ids),
         coalesce(excluded.file_path, r.file_path), r.properties || excluded.properties)
          is distinct from (r.description, r.keywords, r.weight, r.source_chunk_ids, r.file_path,
                            r.properties)
     or (excluded.embedding is not null and excluded.embedding is distinct from r.embedding);
  get diagnostics written = row_count;
  return written;
end
$$;
comment on function pgrag.upsert_relations(json, text) is
  'Upserts a batch of undirected relations of the current tenant, creating missing endpoints.';
grant execute on function pgrag.upsert_relations(json, text) to pgrag_api;

-- Reads build `json`, not `jsonb`: the text is written once and sent as is, where jsonb would
-- build a binary tree only to print it again (measured: 4,560 relations in 23 ms as json, 86 ms as
-- jsonb, most of it spent on the timestamps).

-- Contract: an entity as the API shows it.
create or replace function pgrag.entity_json(e pgrag.entities)
returns json
language sql
immutable
as $$
  select json_build_object(
    'name', e.name,
    'type', e.entity_type,
    'description', e.description,
    'source_chunk_ids', e.source_chunk_ids,
    'file_path', e.file_path,
    'properties', e.properties,
    'degree', e.degree,
    'created_at', e.created_at,
    'updated_at', e.updated_at)
$$;
comment on function pgrag.entity_json(pgrag.entities) is 'An entity as the API returns it.';
grant execute on function pgrag.entity_json(pgrag.entities) to pgrag_api;

-- Contract: a relation as the API shows it, with its endpoints' names in stored order.
create or replace function pgrag.relation_json(r pgrag.relations, source_name text, target_name text)
returns json
language sql
immutable
as $$
  select json_build_object(
    'source', source_name,
    'target', target_name,
    'description', r.description,
    'keywords', r.keywords,
    'weight', coalesce(r.weight, 1),
    'source_chunk_ids', r.source_chunk_ids,
    'file_path', r.file_path,
    'properties', r.properties,
    'created_at', r.created_at,
    'updated_at', r.updated_at)
$$;
comment on function pgrag.relation_json(pgrag.relations, text, text) is
  'A relation as the API returns it.';
grant execute on function pgrag.relation_json(pgrag.relations, text, text) to pgrag_api;

-- Internal: relations of the given entity ids, as API JSON ordered by endpoint names.
-- `both_ends` true: only edges with both endpoints listed (a subgraph); false: every edge
-- touching a listed entity. Dynamic SQL, so each call is planned with its own array: the planner
-- then knows its size and hashes the `= any` tests, where a generic plan guesses ten elements and
-- may pair every listed id with every other (measured: 1.5 s instead of 6 ms for 1,000 ids).
create or replace function pgrag.relations_of(entity_ids bigint[], both_ends boolean)
returns json
language plpgsql
stable
-- A few thousand relations at most, each needing its two endpoints' names: two primary key
-- lookups a row. Costed with disk reads in mind, the planner would rather hash the tenant's
-- whole entities table, twice (measured: 66 ms instead of 33 ms for a hub of 3,353 relations
-- among 50,000 entities).
set enable_hashjoin = off
set enable_mergejoin = off
as $$
declare
  found json;
begin
  execute $sql$
    select coalesce(json_agg(pgrag.relation_json(r, s.name, t.name) order by s.name, t.name),
                    '[]')
      from pgrag.relations r
      join pgrag.entities s on s.tenant_id = r.tenant_id and s.id = r.source_id
      join pgrag.entities t on t.tenant_id = r.tenant_id and t.id = r.target_id
     where r.tenant_id = $1
       and ((r.source_id = any ($2) and (not $3 or r.target_id = any ($2)))
            or (not $3 and r.target_id = any ($2)))
    $sql$
    into found
    using pgrag.current_tenant_id(), entity_ids, both_ends;
  return found;
end
$$;
comment on function pgrag.relations_of(bigint[], boolean) is
  'Internal: relations of the given entities as API JSON (among them, or touching them).';
grant execute on function pgrag.relations_of(bigint[], boolean) to pgrag_api;

-- Contract: the entities named in `names` (a JSON array), aligned with it, null where missing.
create or replace function pgrag.get_entities(names json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(case when e.id is null then 'null'::json else pgrag.entity_json(e) end
                           order by n.i), '[]')
    from json_array_elements_text(names) with ordinality as n(name, i)
    left join pgrag.entities e
      on e.tenant_id = pgrag.current_tenant_id() and e.name = n.name
$$;
comment on function pgrag.get_entities(json) is
  'The named entities of the current tenant, aligned with the names, null where missing.';
grant execute on function pgrag.get_entities(json) to pgrag_api;

-- Contract: every relation of the entity `entity_name`; null when there is no such entity.
create or replace function pgrag.entity_relations(entity_name text)
returns json
language sql
stable
as $$
  select pgrag.relations_of(array[e.id], false)
    from pgrag.entities e
   where e.tenant_id = pgrag.current_tenant_id() and e.name = entity_name
$$;
comment on function pgrag.entity_relations(text) is
  'Every relation of an entity; null when there is no such entity.';
grant execute on function pgrag.entity_relations(text) to pgrag_api;

-- Contract: the relation between two entities in either order, or null.
create or replace function pgrag.get_relation(first_name text, second_name text)
returns json
language sql
stable
as $$
  select pgrag.relation_json(r, s.name, t.name)
    from pgrag.entities a
    join pgrag.entities b on b.tenant_id = a.tenant_id and b.name = second_name
    join pgrag.relations r
      on r.tenant_id = a.tenant_id
     and r.source_id = least(a.id, b.id) and r.target_id = greatest(a.id, b.id)
    join pgrag.entities s on s.tenant_id = r.tenant_id and s.id = r.source_id
    join pgrag.entities t on t.tenant_id = r.tenant_id and t.id = r.target_id
   where a.tenant_id = pgrag.current_tenant_id() and a.name = first_name
$$;
comment on function pgrag.get_relation(text, text) is
  'The relation between two entities in either order, or null.';
grant execute on function pgrag.get_relation(text, text) to pgrag_api;

-- Contract: deletes the entity `entity_name` with its relations; false when there is none.
create or replace function pgrag.delete_entity(entity_name text)
returns boolean
language sql
as $$
  with deleted as (
    delete from pgrag.entities e
     where e.tenant_id = pgrag.current_tenant_id() and e.name = entity_name
    returning 1
  )
  select exists (select from deleted)
$$;
comment on function pgrag.delete_entity(text) is
  'Deletes an entity with its relations; false when there is none.';
grant execute on function pgrag.delete_entity(text) to pgrag_api;

-- Contract: deletes the relations between the pairs of `pairs` (a JSON array of [a, b], either
-- order); returns how many existed.
create or replace function pgrag.delete_relations(pairs json)
returns integer
language sql
as $$
  with pair as (
    select least(a.id, b.id) as source_id, greatest(a.id, b.id) as target_id
      from json_array_elements(pairs) p
      join pgrag.entities a
        on a.tenant_id = pgrag.current_tenant_id() and a.name = p ->> 0
      join pgrag.entities b
        on b.tenant_id = pgrag.current_tenant_id() and b.name = p ->> 1
  ), deleted as (
    delete from pgrag.relations r
     using pair
     where r.tenant_id = pgrag.current_tenant_id()
       and r.source_id = pair.source_id and r.target_id = pair.target_id
    returning 1
  )
  select count(*)::integer from deleted
$$;
comment on function pgrag.delete_relations(json) is
  'Deletes the relations between the given pairs (either order); returns how many existed.';
grant execute on function pgrag.delete_relations(json) to pgrag_api;

-- Contract: a subgraph around the entity `label`, breadth first to `max_depth` hops and at most
-- `max_nodes` entities: {nodes, edges, is_truncated}. Each level is one set-based step over the
-- edge indexes. A level that does not fit takes its best connected entities (then by name), and
-- is_truncated says some were left out. Nodes come closest first, then by degree; edges are
-- those among the nodes. With label '*' the nodes are the tenant's max_nodes most connected
-- entities (LightRAG's whole-graph view). An unknown label gives an empty graph.
create or replace function pgrag.subgraph(label text, max_depth integer, max_nodes integer)
returns json
language plpgsql
stable
-- Each step looks up a bounded set of ids; see relations_of.
set enable_hashjoin = off
set enable_mergejoin = off
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  node_ids bigint[];
  depths integer[];
  frontier bigint[];
  found bigint[];
  depth integer := 0;
  room integer;
  truncated boolean := false;
begin
  if label = '*' then
    select coalesce(array_agg(e.id order by e.degree desc, e.name), '{}'),
           coalesce(array_agg(0), '{}')
      into node_ids, depths
      from (select e.id, e.degree, e.name from pgrag.entities e
             where e.tenant_id = tenant
             order by e.degree desc, e.name
             limit max_nodes) e;
    truncated := exists (select from pgrag.entities e where e.tenant_id = tenant
                          offset max_nodes);
  else
    select array[e.id] into frontier
      from pgrag.entities e where e.tenant_id = tenant and e.name = label;
    node_ids := coalesce(frontier, '{}');
    depths := case when frontier is null then '{}'::integer[] else '{0}' end;
    while depth < max_depth and cardinality(frontier) > 0 and not truncated loop
      depth := depth + 1;
      room := max_nodes - cardinality(node_ids);
      -- The unseen neighbours of the frontier, best connected first. Dynamic SQL for the reason
      -- given at relations_of: both arrays are planned at their real size, `<> all` hashed.
      execute $sql$
        select coalesce(array_agg(e.id order by e.degree desc, e.name), '{}')
          from pgrag.entities e
         where e.tenant_id = $1
           and e.id in (select r.target_id from pgrag.relations r
                         where r.tenant_id = $1 and r.source_id = any ($2)
                        union
                        select r.source_id from pgrag.relations r
                         where r.tenant_id = $1 and r.target_id = any ($2))
           and e.id <> all ($3)
        $sql$
        into found
        using tenant, frontier, node_ids;
      if cardinality(found) > room then
        truncated := true;
        found := found[1:room];
      end if;
      node_ids := node_ids || found;
      depths := depths || array_fill(depth, array[cardinality(found)]);
      frontier := found;
    end loop;
  end if;
  return json_build_object(
    -- A node is its entity's JSON with its depth put first, spliced as text: json has no
    -- concatenation, and going through jsonb would cost this read most of its time.
    'nodes', (select coalesce(json_agg(('{"depth": ' || n.d || ', '
                                        || ltrim(pgrag.entity_json(e)::text, '{'))::json
                                       order by n.i), '[]')
                from unnest(node_ids, depths) with ordinality as n(id, d, i)
                join pgrag.entities e on e.tenant_id = tenant and e.id = n.id),
    'edges', pgrag.relations_of(node_ids, true),
    'is_truncated', truncated);
end
$$;
comment on function pgrag.subgraph(text, integer, integer) is
  'A breadth-first subgraph around an entity (or the most connected with *): nodes, edges, is_truncated.';
grant execute on function pgrag.subgraph(text, integer, integer) to pgrag_api;

-- Row level security and the GIN and HNSW indexes do not mix (see the search migration): the
-- trigram, array-overlap and vector operators are not leakproof, so under a policy every probe
-- below would read the whole tenant. They run as pgrag_search, pin the tenant themselves and
-- return only ids and scores; the contract functions read the rows under the tenant policy.
grant select on pgrag.entities, pgrag.relations to pgrag_search;
drop policy if exists "Search probes read every tenant and pin the tenant themselves" on pgrag.entities;
create policy "Search probes read every tenant and pin the tenant themselves" on pgrag.entities
  for select to pgrag_search using (true);
drop policy if exists "Search probes read every tenant and pin the tenant themselves" on pgrag.relations;
create policy "Search probes read every tenant and pin the tenant themselves" on pgrag.relations
  for select to pgrag_search using (true);

-- Internal: the best `max_count` entities for the label query `query`, as ids. First the names
-- containing it, in any case (LIKE's wildcards in the query taken literally): the name itself,
-- then names starting with it, then the rest, each by degree. Then, when those are fewer than
-- max_count, names holding a word similar to it (pg_trgm word similarity of at least 0.3, so
-- "Cuire" finds "Marie Curie"), most similar first. Fuzzy scoring costs a similarity per
-- candidate, and a common word is similar to thousands of names, so it runs only when needed.
create or replace function pgrag.label_matches(query text, max_count integer, out entity_ids bigint[])
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  trgm text := (select extnamespace::regnamespace::text from pg_catalog.pg_extension
                 where extname = 'pg_trgm');
  pattern text := replace(replace(replace(query, '\', '\\'), '%', '\%'), '_', '\_');
  fuzzy_ids bigint[];
begin
  if tenant is null or query is null then
    return;
  end if;
  select array_agg(m.id order by m.rank desc, m.degree desc, m.name) into entity_ids
    from (select e.id, e.degree, e.name,
                 (lower(e.name) = lower(query))::integer * 2
                 + (e.name ilike pattern || '%')::integer as rank
            from pgrag.entities e
           where e.tenant_id = tenant and e.name ilike '%' || pattern || '%'
           order by rank desc, e.degree desc, e.name
           limit max_count) m;
  if coalesce(cardinality(entity_ids), 0) < max_count then
    perform set_config('pg_trgm.word_similarity_threshold', '0.3', true);
    execute format($sql$
      select array_agg(id order by similarity desc, degree desc, name)
        from (select e.id, e.degree, e.name, %1$s.word_similarity($2, e.name) as similarity
                from pgrag.entities e
               where e.tenant_id = $1 and $2 operator(%1$s.<%%) e.name
                 and e.name not ilike '%%' || $3 || '%%'
               order by similarity desc, e.degree desc, e.name
               limit $4) fuzzy
      $sql$, trgm)
      into fuzzy_ids
      using tenant, query, pattern, max_count - coalesce(cardinality(entity_ids), 0);
    entity_ids := coalesce(entity_ids, '{}') || coalesce(fuzzy_ids, '{}');
  end if;
end
$$;
comment on function pgrag.label_matches(text, integer) is
  'Internal probe: the best entities for a label query (substring first, then fuzzy), as ids.';
select pgrag.set_function_owner('pgrag.label_matches(text, integer)', 'pgrag_search');
grant execute on function pgrag.label_matches(text, integer) to pgrag_api;

-- Contract: entity names with their degrees: the `max_count` most connected when `query` is
-- null, else the matches of `query` best first (see label_matches).
create or replace function pgrag.graph_labels(query text, max_count integer)
returns json
language plpgsql
stable
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  found json;
begin
  if query is null then
    select coalesce(json_agg(json_build_object('name', e.name, 'degree', e.degree)
                             order by e.degree desc, e.name), '[]')
      into found
      from (select e.name, e.degree from pgrag.entities e
             where e.tenant_id = tenant
             order by e.degree desc, e.name
             limit max_count) e;
  else
    select coalesce(json_agg(json_build_object('name', e.name, 'degree', e.degree)
                             order by m.i), '[]')
      into found
      from pgrag.label_matches(query, max_count) p,
           unnest(p.entity_ids) with ordinality as m(id, i)
      join pgrag.entities e on e.tenant_id = tenant and e.id = m.id;
  end if;
  return found;
end
$$;
comment on function pgrag.graph_labels(text, integer) is
  'Entity names with degrees: the most connected, or the best matches of a query.';
grant execute on function pgrag.graph_labels(text, integer) to pgrag_api;

-- Internal: the entities and relations of the current tenant whose source_chunk_ids hold any of
-- `chunk_ids`, found through the GIN indexes.
create or replace function pgrag.graph_rows_citing(
  chunk_ids text[],
  out entity_ids bigint[], out relation_sources bigint[], out relation_targets bigint[])
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
begin
  if tenant is null then
    return;
  end if;
  select array_agg(e.id) into entity_ids
    from pgrag.entities e
   where e.tenant_id = tenant and e.source_chunk_ids operator(pg_catalog.&&) chunk_ids;
  select array_agg(r.source_id), array_agg(r.target_id) into relation_sources, relation_targets
    from pgrag.relations r
   where r.tenant_id = tenant and r.source_chunk_ids operator(pg_catalog.&&) chunk_ids;
end
$$;
comment on function pgrag.graph_rows_citing(text[]) is
  'Internal probe: entities and relations of the current tenant citing any of the chunk ids.';
select pgrag.set_function_owner('pgrag.graph_rows_citing(text[])', 'pgrag_search');
grant execute on function pgrag.graph_rows_citing(text[]) to pgrag_api;

-- Trigger: when chunks are deleted (by themselves or with their document), their ids leave the
-- graph's source_chunk_ids, and the relations and entities left citing no chunk go: LightRAG's
-- delete by document. Entities that never cited a chunk are not touched.
create or replace function pgrag.forget_deleted_chunks()
returns trigger
language plpgsql
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  chunk_ids text[] := array(select id from old_rows where tenant_id = tenant);
  citing record;
begin
  if cardinality(chunk_ids) = 0 then
    return null;
  end if;
  select * into citing from pgrag.graph_rows_citing(chunk_ids);
  if citing.relation_sources is not null then
    update pgrag.relations r
       set source_chunk_ids = array(select id from unnest(r.source_chunk_ids) id
                                     where id <> all (chunk_ids))
      from unnest(citing.relation_sources, citing.relation_targets) as cited(s, t)
     where r.tenant_id = tenant and r.source_id = cited.s and r.target_id = cited.t;
    delete from pgrag.relations r
     using unnest(citing.relation_sources, citing.relation_targets) as cited(s, t)
     where r.tenant_id = tenant and r.source_id = cited.s and r.target_id = cited.t
       and cardinality(r.source_chunk_ids) = 0;
  end if;
  if citing.entity_ids is not null then
    update pgrag.entities e
       set source_chunk_ids = array(select id from unnest(e.source_chunk_ids) id
                                     where id <> all (chunk_ids))
     where e.tenant_id = tenant and e.id = any (citing.entity_ids);
    delete from pgrag.entities e
     where e.tenant_id = tenant and e.id = any (citing.entity_ids)
       and cardinality(e.source_chunk_ids) = 0;
  end if;
  return null;
end
$$;
comment on function pgrag.forget_deleted_chunks() is
  'Trigger: removes deleted chunks from the graph''s sources and the graph rows left without any.';
create or replace trigger chunks_forget_in_graph after delete on pgrag.chunks
  referencing old table as old_rows
  for each statement execute function pgrag.forget_deleted_chunks();

-- Internal: the `pool` entities (graph_table 'entities') or relations ('relations') of the
-- current tenant nearest to `query_embedding`, as ids (entities: source_ids; relations: both
-- endpoint ids) and cosine distances. Like the chunks' vector_arm: an exact ranking when so few
-- rows have an embedding that it is the cheaper (exact_scan_limit), else the HNSW index walked iteratively
-- until enough rows of the tenant pass, with the exact ranking as the fallback when it ends short.
create or replace function pgrag.graph_vector_arm(
  graph_table text, query_embedding vector, pool integer, ef_search integer,
  out source_ids bigint[], out target_ids bigint[], out distances double precision[])
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  vector_type text := (select e.extnamespace::regnamespace::text || '.' || s.value
                         from pg_catalog.pg_extension e, pgrag.settings s
                        where e.extname = 'vector' and s.key = 'embedding_type');
  vector_schema text := (select extnamespace::regnamespace::text from pg_catalog.pg_extension
                          where extname = 'vector');
  exact_limit constant bigint :=
    pgrag.exact_scan_limit(('pgrag.' || graph_table)::regclass, pool, ef_search);
  keys text := case graph_table when 'entities' then 'g.id, null::bigint'
                                when 'relations' then 'g.source_id, g.target_id' end;
  embedded integer;
  seqscan constant text := current_setting('enable_seqscan');
  bitmapscan constant text := current_setting('enable_bitmapscan');
  sort constant text := current_setting('enable_sort');
  -- As in vector_arm: `offset 0` keeps the inner query apart, so the index cannot order it and
  -- the ranking is exact; without it `order by distance` is the operator HNSW serves.
  query_sql constant text := $sql$
    select array_agg(s order by distance, s, t), array_agg(t order by distance, s, t),
           array_agg(distance order by distance, s, t)
      from (select s, t, distance
              from (select %3$s, g.embedding operator(%4$s.<=>) $2::%1$s as distance
                      from pgrag.%2$I g
                     where g.tenant_id = $1 and g.embedding is not null
                     %5$s) as passing(s, t, distance)
             order by distance
             limit $3) nearest
  $sql$;
begin
  if tenant is null or query_embedding is null or keys is null then
    return;
  end if;
  execute format('select count(*) from (select from pgrag.%I g where g.tenant_id = $1'
                 ' and g.embedding is not null limit $2) embedded', graph_table)
    into embedded using tenant, exact_limit + 1;
  if embedded > exact_limit then
    -- As in vector_arm: the planner does not price the embeddings' TOAST reads, so the walk,
    -- chosen by cost already, is the only plan allowed; the settings are put back after it.
    perform set_config('hnsw.ef_search', greatest(ef_search, pool, 1)::text, true),
            set_config('hnsw.iterative_scan', 'relaxed_order', true),
            set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
            set_config('enable_sort', 'off', true);
    execute format(query_sql, vector_type, graph_table, keys, vector_schema, '')
      into source_ids, target_ids, distances using tenant, query_embedding, pool;
    perform set_config('enable_seqscan', seqscan, true),
            set_config('enable_bitmapscan', bitmapscan, true), set_config('enable_sort', sort, true);
    if coalesce(cardinality(source_ids), 0) >= pool then
      return;
    end if;
  end if;
  execute format(query_sql, vector_type, graph_table, keys, vector_schema, 'offset 0')
    into source_ids, target_ids, distances using tenant, query_embedding, pool;
end
$$;
comment on function pgrag.graph_vector_arm(text, vector, integer, integer) is
  'Internal probe: the pool entities or relations of the current tenant nearest to an embedding.';
select pgrag.set_function_owner('pgrag.graph_vector_arm(text, vector, integer, integer)', 'pgrag_search');
grant execute on function pgrag.graph_vector_arm(text, vector, integer, integer) to pgrag_api;

-- Contract: the `match_count` entities nearest to `query_embedding` with a cosine similarity of
-- at least `min_similarity`, best first: [{name, type, description, source_chunk_ids, degree,
-- similarity}].
create or replace function pgrag.search_entities(
  query_embedding vector, match_count integer, min_similarity double precision)
returns json
language sql
volatile
as $$
  select coalesce(json_agg(json_build_object(
           'name', e.name, 'type', e.entity_type, 'description', e.description,
           'source_chunk_ids', e.source_chunk_ids, 'degree', e.degree,
           'similarity', 1 - n.distance) order by n.i), '[]')
    from pgrag.graph_vector_arm('entities', query_embedding, match_count, 40) a,
         unnest(a.source_ids, a.distances) with ordinality as n(id, distance, i)
    join pgrag.entities e on e.tenant_id = pgrag.current_tenant_id() and e.id = n.id
   where 1 - n.distance >= coalesce(min_similarity, -1)
$$;
comment on function pgrag.search_entities(vector, integer, double precision) is
  'The entities nearest to an embedding with at least min_similarity, best first.';
grant execute on function pgrag.search_entities(vector, integer, double precision) to pgrag_api;

-- Contract: the `match_count` relations nearest to `query_embedding`, as search_entities:
-- [{source, target, description, keywords, weight, source_chunk_ids, similarity}].
create or replace function pgrag.search_relations(
  query_embedding vector, match_count integer, min_similarity double precision)
returns json
language sql
volatile
as $$
  select coalesce(json_agg(json_build_object(
           'source', s.name, 'target', t.name, 'description', r.description,
           'keywords', r.keywords, 'weight', coalesce(r.weight, 1),
           'source_chunk_ids', r.source_chunk_ids,
           'similarity', 1 - n.distance) order by n.i), '[]')
    from pgrag.graph_vector_arm('relations', query_embedding, match_count, 40) a,
         unnest(a.source_ids, a.target_ids, a.distances) with ordinality as n(s, t, distance, i)
    join pgrag.relations r
      on r.tenant_id = pgrag.current_tenant_id() and r.source_id = n.s and r.target_id = n.t
    join pgrag.entities s on s.tenant_id = r.tenant_id and s.id = r.source_id
    join pgrag.entities t on t.tenant_id = r.tenant_id and t.id = r.target_id
   where 1 - n.distance >= coalesce(min_similarity, -1)
$$;
comment on function pgrag.search_relations(vector, integer, double precision) is
  'The relations nearest to an embedding with at least min_similarity, best first.';
grant execute on function pgrag.search_relations(vector, integer, double precision) to pgrag_api;
