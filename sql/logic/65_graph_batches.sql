-- Batch reads and writes of the knowledge graph that LightRAG's graph storage makes in one call
-- each (get_edges_batch, get_nodes_edges_batch, remove_nodes, drop, get_all_nodes/edges).

-- Contract: the relations between the pairs of `pairs` (a JSON array of [a, b], either order),
-- aligned with it, null where there is none.
create or replace function pgrag.get_relations(pairs json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(coalesce(pgrag.get_relation(p.value ->> 0, p.value ->> 1), 'null'::json)
                           order by p.i), '[]')
    from json_array_elements(pairs) with ordinality as p(value, i)
$$;
comment on function pgrag.get_relations(json) is
  'The relations between the given pairs (either order), aligned, null where there is none.';
grant execute on function pgrag.get_relations(json) to pgrag_api;

-- Contract: for each name of `names` (a JSON array), aligned, the relations touching that
-- entity, or null when there is no such entity.
create or replace function pgrag.entities_relations(names json)
returns json
language sql
stable
as $$
  select coalesce(json_agg(pgrag.entity_relations(n.name) order by n.i), '[]')
    from json_array_elements_text(names) with ordinality as n(name, i)
$$;
comment on function pgrag.entities_relations(json) is
  'The relations of each named entity, aligned with the names, null where missing.';
grant execute on function pgrag.entities_relations(json) to pgrag_api;

-- Contract: deletes the entities named in `names` (a JSON array, or null for every entity of
-- the tenant: LightRAG's drop) with their relations; returns how many existed.
create or replace function pgrag.delete_entities(names json)
returns integer
language sql
as $$
  with deleted as (
    delete from pgrag.entities e
     where e.tenant_id = pgrag.current_tenant_id()
       and (names is null or e.name in (select json_array_elements_text(names)))
    returning 1
  )
  select count(*)::integer from deleted
$$;
comment on function pgrag.delete_entities(json) is
  'Deletes the named entities (all when null) with their relations; returns how many existed.';
grant execute on function pgrag.delete_entities(json) to pgrag_api;

-- Contract: the tenant's graph, at most `max_nodes` entities by name and the relations among
-- them: {entities, relations, is_truncated}.
create or replace function pgrag.export_graph(max_nodes integer)
returns json
language sql
stable
as $$
  with chosen as (
    select e.id, e.name, pgrag.entity_json(e) as entity,
           row_number() over (order by e.name) as n
      from pgrag.entities e
     where e.tenant_id = pgrag.current_tenant_id()
     order by e.name
     limit max_nodes + 1
  )
  select json_build_object(
    'entities', (select coalesce(json_agg(c.entity order by c.name), '[]')
                   from chosen c where c.n <= max_nodes),
    'relations', pgrag.relations_of(array(select c.id from chosen c where c.n <= max_nodes), true),
    'is_truncated', (select count(*) > max_nodes from chosen))
$$;
comment on function pgrag.export_graph(integer) is
  'The tenant graph up to max_nodes entities (by name) with the relations among them.';
grant execute on function pgrag.export_graph(integer) to pgrag_api;
