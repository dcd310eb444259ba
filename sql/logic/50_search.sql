-- Retrieval over chunks: a keyword arm ranked by BM25, a semantic arm over the HNSW index (or an
-- exact scan where that is both exact and cheaper), fused by reciprocal rank fusion. Security
-- invoker throughout, so row level security scopes every row to the caller's tenant; only the
-- candidate probes run as pgrag_search (see below).

-- Contract: cosine_similarity(a, b) = 1 - cosine distance, in [-1, 1], and
-- euclidean_distance(a, b), for vector and for halfvec (the type of embeddings above 2000
-- dimensions). Null when either side is null. To use an index, order by the operator (<=>, <->)
-- itself: a computed similarity hides it from the planner.
do $$
declare
  vector_type text;
begin
  foreach vector_type in array array['vector', 'halfvec'] loop
    execute format($sql$
      create or replace function pgrag.cosine_similarity(a %1$s, b %1$s)
      returns double precision
      language sql immutable strict parallel safe
      as 'select 1 - (a <=> b)';
      comment on function pgrag.cosine_similarity(%1$s, %1$s) is
        'Cosine similarity: 1 - (a <=> b). Order by <=> itself to use an index.';
      create or replace function pgrag.euclidean_distance(a %1$s, b %1$s)
      returns double precision
      language sql immutable strict parallel safe
      as 'select a <-> b';
      comment on function pgrag.euclidean_distance(%1$s, %1$s) is 'Euclidean (L2) distance.';
      grant execute on function pgrag.cosine_similarity(%1$s, %1$s),
        pgrag.euclidean_distance(%1$s, %1$s) to pgrag_api;
    $sql$, vector_type);
  end loop;
end
$$;
select pgrag.isolate_by_tenant('pgrag.keyword_statistics');
select pgrag.isolate_by_tenant('pgrag.keyword_lexemes');

-- Replaced by apply_keyword_changes, which writes the sums without a round through JSON.
drop function if exists pgrag.add_keyword_statistics(json);

-- Internal: applies the keyword vectors a statement added (sign 1) and removed (sign -1), given
-- as aligned arrays, to the per-tenant sums, then to the lexemes' document frequencies, once
-- lock_tenant_counters has ordered the tenant's writers: one writer at a time updates a tenant's
-- rows, so no deadlock and no lost update, whatever order the rows come in. A tenant that is gone is skipped: deleting a tenant deletes its chunks by cascade
-- after its row, and their statistics went with the row.
create or replace function pgrag.apply_keyword_changes(
  tenant_ids uuid[], vectors tsvector[], signs integer[])
returns void
language plpgsql
as $$
declare
  tenants uuid[] := array(select distinct t from unnest(tenant_ids) t
                           where exists (select from pgrag.tenants x where x.id = t));
begin
  if cardinality(tenants) = 0 then
    return;
  end if;
  perform pgrag.lock_tenant_counters(tenants);
  insert into pgrag.keyword_statistics as s (tenant_id, chunks, lexemes)
  select c.tenant_id, sum(c.sign), sum(c.sign * length(c.tsv))
    from unnest(tenant_ids, vectors, signs) as c(tenant_id, tsv, sign)
   where c.tenant_id = any (tenants)
   group by c.tenant_id
   order by c.tenant_id
  on conflict (tenant_id) do update
    set chunks = s.chunks + excluded.chunks, lexemes = s.lexemes + excluded.lexemes;
  -- An update joined with the changes, then an insert of the lexemes new to the tenant, in bulk.
  -- INSERT ... ON CONFLICT, which tries each row as an insert first, cost API ingest 22% of its
  -- rows/s (loopback, no vector index); this costs 4%. Safe without ON CONFLICT because the
  -- tenant's writers take their turns (above).
  with delta as (
    select c.tenant_id, l.lexeme, sum(c.sign) as chunks
      from unnest(tenant_ids, vectors, signs) as c(tenant_id, tsv, sign),
           unnest(tsvector_to_array(c.tsv)) as l(lexeme)
     where c.tenant_id = any (tenants)
     group by c.tenant_id, l.lexeme
    having sum(c.sign) <> 0
  ), updated as (
    update pgrag.keyword_lexemes k set chunks = k.chunks + d.chunks
      from delta d
     where k.tenant_id = d.tenant_id and k.lexeme = d.lexeme
    returning k.tenant_id, k.lexeme
  )
  insert into pgrag.keyword_lexemes (tenant_id, lexeme, chunks)
  select d.tenant_id, d.lexeme, d.chunks
    from delta d
   where not exists (select from updated u where u.tenant_id = d.tenant_id and u.lexeme = d.lexeme);
end
$$;
comment on function pgrag.apply_keyword_changes(uuid[], tsvector[], integer[]) is
  'Internal: applies added and removed keyword vectors to keyword_statistics and keyword_lexemes.';
grant execute on function pgrag.apply_keyword_changes(uuid[], tsvector[], integer[]) to pgrag_api;

-- Trigger: applies the statement's inserted (new_rows) and removed (old_rows) chunks to the
-- statistics and the lexemes' document frequencies. Transition tables exist only for the events
-- a trigger is declared with, so each event has its own trigger and the branches below read
-- only the tables that exist. An update counts only the rows whose keyword vector changed: an
-- embedding arriving changes nothing here, and takes no lock.
create or replace function pgrag.count_keyword_statistics()
returns trigger
language plpgsql
as $$
declare
  tenant_ids uuid[];
  vectors tsvector[];
  signs integer[];
begin
  if tg_op = 'INSERT' then
    select array_agg(tenant_id), array_agg(content_tsv), array_agg(1)
      into tenant_ids, vectors, signs from new_rows;
  elsif tg_op = 'DELETE' then
    select array_agg(tenant_id), array_agg(content_tsv), array_agg(-1)
      into tenant_ids, vectors, signs from old_rows;
  else
    select array_agg(c.tenant_id), array_agg(c.content_tsv), array_agg(c.sign)
      into tenant_ids, vectors, signs
      from (select n.tenant_id, n.content_tsv, 1 as sign from new_rows n
             where not exists (select from old_rows o where o.tenant_id = n.tenant_id
                                  and o.id = n.id and o.content_tsv = n.content_tsv)
            union all
            select o.tenant_id, o.content_tsv, -1 from old_rows o
             where not exists (select from new_rows n where n.tenant_id = o.tenant_id
                                  and n.id = o.id and n.content_tsv = o.content_tsv)) c;
  end if;
  if tenant_ids is not null then
    perform pgrag.apply_keyword_changes(tenant_ids, vectors, signs);
  end if;
  return null;
end
$$;
comment on function pgrag.count_keyword_statistics() is
  'Trigger: keeps keyword_statistics and keyword_lexemes in step with the chunks a statement wrote.';
grant execute on function pgrag.count_keyword_statistics() to pgrag_api;

create or replace trigger chunks_keyword_statistics_insert after insert on pgrag.chunks
  referencing new table as new_rows
  for each statement execute function pgrag.count_keyword_statistics();
create or replace trigger chunks_keyword_statistics_update after update on pgrag.chunks
  referencing old table as old_rows new table as new_rows
  for each statement execute function pgrag.count_keyword_statistics();
create or replace trigger chunks_keyword_statistics_delete after delete on pgrag.chunks
  referencing old table as old_rows
  for each statement execute function pgrag.count_keyword_statistics();
grant usage on schema pgrag to pgrag_search;
grant select on pgrag.chunks, pgrag.documents, pgrag.keyword_statistics, pgrag.keyword_lexemes,
  pgrag.settings to pgrag_search;
drop policy if exists "Search probes read every tenant and pin the tenant themselves" on pgrag.chunks;
create policy "Search probes read every tenant and pin the tenant themselves" on pgrag.chunks
  for select to pgrag_search using (true);
drop policy if exists "Search probes read every tenant and pin the tenant themselves" on pgrag.documents;
create policy "Search probes read every tenant and pin the tenant themselves" on pgrag.documents
  for select to pgrag_search using (true);
drop policy if exists "Search probes read every tenant and pin the tenant themselves" on pgrag.keyword_statistics;
create policy "Search probes read every tenant and pin the tenant themselves"
  on pgrag.keyword_statistics for select to pgrag_search using (true);
drop policy if exists "Search probes read every tenant and pin the tenant themselves" on pgrag.keyword_lexemes;
create policy "Search probes read every tenant and pin the tenant themselves"
  on pgrag.keyword_lexemes for select to pgrag_search using (true);

-- Internal: the filter of a search request as a SQL condition on chunks `c`, over the
-- parameters $3 (metadata, jsonb), $4 (document ids, text[]) and $5 (source, text); 'true' when
-- the filter is empty. Only the clauses present are emitted, so the planner sees each predicate
-- plainly and can use its index (metadata containment → chunks_metadata_idx).
create or replace function pgrag.search_filter_condition(filter jsonb)
returns text
language plpgsql
immutable
as $$
declare
  clauses text[] := '{}';
  unknown text;
begin
  if filter is null or filter = 'null' then
    return 'true';
  end if;
  if jsonb_typeof(filter) <> 'object' then
    raise exception 'filter must be an object' using errcode = 'PR400', detail = 'filter';
  end if;
  select key into unknown from jsonb_object_keys(filter) key
   where key not in ('metadata', 'document_ids', 'source') limit 1;
  if unknown is not null then
    raise exception 'unknown filter %', unknown using errcode = 'PR400', detail = 'filter.' || unknown;
  end if;
  if filter ? 'metadata' then
    if jsonb_typeof(filter -> 'metadata') <> 'object' then
      raise exception 'filter.metadata must be an object'
        using errcode = 'PR400', detail = 'filter.metadata';
    end if;
    clauses := clauses || 'c.metadata @> $3'::text;
  end if;
  if filter ? 'document_ids' then
    if jsonb_typeof(filter -> 'document_ids') <> 'array' or exists (
         select from jsonb_array_elements(filter -> 'document_ids') e
          where jsonb_typeof(e) <> 'string') then
      raise exception 'filter.document_ids must be an array of strings'
        using errcode = 'PR400', detail = 'filter.document_ids';
    end if;
    clauses := clauses || 'c.document_id = any ($4)'::text;
  end if;
  if filter ? 'source' then
    if jsonb_typeof(filter -> 'source') <> 'string' then
      raise exception 'filter.source must be a string' using errcode = 'PR400', detail = 'filter.source';
    end if;
    clauses := clauses || ('exists (select from pgrag.documents d where d.tenant_id = c.tenant_id'
      ' and d.id = c.document_id and d.source = $5)')::text;
  end if;
  return coalesce(nullif(array_to_string(clauses, ' and '), ''), 'true');
end
$$;
comment on function pgrag.search_filter_condition(jsonb) is
  'Internal: the SQL condition on chunks for a search filter (metadata, document ids, source).';
grant execute on function pgrag.search_filter_condition(jsonb) to pgrag_api;
grant execute on function pgrag.search_filter_condition(jsonb) to pgrag_search;

-- Internal: the tsquery matching exactly `lexeme`, taken verbatim: tsquery input quotes with ''
-- and escapes with \. A plain expression, so a query comparing with it can still use the index.
create or replace function pgrag.lexeme_query(lexeme text)
returns tsquery
language sql
immutable strict parallel safe
as $$
  select ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery
$$;
comment on function pgrag.lexeme_query(text) is
  'Internal: the tsquery matching exactly one lexeme, taken verbatim.';
grant execute on function pgrag.lexeme_query(text) to pgrag_api;
grant execute on function pgrag.lexeme_query(text) to pgrag_search;

-- Internal: a chunk's keyword vector with its tenant's lexeme, exactly as chunks_keywords_idx
-- indexes it (migration 20261206000100_keyword_title_and_tenant): a query that compares it with
-- @@ is served by that index, because PostgreSQL inlines this function into the very expression
-- the index holds (tests/db/search.test.ts checks the plan). Not strict, so that it inlines.
create or replace function pgrag.indexed_keywords(tenant_id uuid, keywords tsvector)
returns tsvector
language sql
immutable parallel safe
as $$
  select keywords || array_to_tsvector(array['tenant ' || tenant_id::text])
$$;
comment on function pgrag.indexed_keywords(uuid, tsvector) is
  'Internal: a chunk''s keyword vector with its tenant''s lexeme, as chunks_keywords_idx holds it.';
grant execute on function pgrag.indexed_keywords(uuid, tsvector) to pgrag_api;
grant execute on function pgrag.indexed_keywords(uuid, tsvector) to pgrag_search;

-- Internal: the tsquery matching the tenant's lexeme in chunks_keywords_idx (see the migration
-- 20261206000100_keyword_title_and_tenant): ANDed with the query's words, it makes GIN intersect
-- the tenant's postings with theirs instead of the heap filtering every tenant's matches.
create or replace function pgrag.tenant_lexeme_query(tenant uuid)
returns tsquery
language sql
immutable strict parallel safe
as $$
  select pgrag.lexeme_query('tenant ' || tenant::text)
$$;
comment on function pgrag.tenant_lexeme_query(uuid) is
  'Internal: the tsquery matching the tenant''s lexeme of the keyword index.';
grant execute on function pgrag.tenant_lexeme_query(uuid) to pgrag_api;
grant execute on function pgrag.tenant_lexeme_query(uuid) to pgrag_search;

-- Internal: the tsquery matching any of `lexemes`.
create or replace function pgrag.any_lexeme(lexemes text[])
returns tsquery
language sql
immutable strict parallel safe
as $$
  select string_agg(pgrag.lexeme_query(l)::text, ' | ')::tsquery from unnest(lexemes) l
$$;
comment on function pgrag.any_lexeme(text[]) is
  'Internal: the tsquery matching any of the lexemes.';
grant execute on function pgrag.any_lexeme(text[]) to pgrag_api;
grant execute on function pgrag.any_lexeme(text[]) to pgrag_search;

-- Internal: document frequencies of `lexemes` in the caller's tenant, aligned with them (0 for a
-- lexeme no chunk holds): primary-key probes of keyword_lexemes, which the chunk triggers keep.
create or replace function pgrag.lexeme_frequencies(lexemes text[])
returns bigint[]
language sql
stable
as $$
  select array_agg(coalesce(k.chunks, 0) order by l.position)
    from unnest(lexemes) with ordinality as l(lexeme, position)
    left join pgrag.keyword_lexemes k
      on k.tenant_id = pgrag.current_tenant_id() and k.lexeme = l.lexeme
$$;
comment on function pgrag.lexeme_frequencies(text[]) is
  'Internal: document frequencies of the lexemes in the current tenant, aligned with them.';
grant execute on function pgrag.lexeme_frequencies(text[]) to pgrag_api;
grant execute on function pgrag.lexeme_frequencies(text[]) to pgrag_search;

-- Internal: the BM25 keyword arm (k1 = 1.2, b = 0.75), the `pool` best chunks as parallel arrays.
-- Exact, without scoring every chunk that holds a common query word: lexemes are taken rarest
-- first, and only chunks holding one of the first r are scored (with every query lexeme). A
-- chunk holding none of them scores at most the sum of the others' ceilings, idf × (k1 + 1);
-- once the pool's last score is above that sum, no unscored chunk can enter it, else r grows
-- (at r = all lexemes every match is scored). Document frequencies count the whole tenant, so a
-- filter narrows the results without changing the weight of a term. Term frequencies come from
-- content_tsv's positions, narrowed to the query's lexemes in C (setweight + ts_filter), and a
-- chunk's length is its number of distinct lexemes, which length(tsvector) answers directly.
-- A query of more than 64 distinct lexemes keeps its 64 rarest: every lexeme scored is a share
-- of every candidate's work (a query of 1,000 lexemes took 1.4 s over SciFact's 5,183 abstracts),
-- and the commonest weigh least.
create or replace function pgrag.keyword_arm(
  query_text text, filter jsonb, pool integer,
  out chunk_ids text[], out scores double precision[])
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  k1 constant double precision := 1.2;
  b constant double precision := 0.75;
  max_lexemes constant integer := 64;
  chunk_count double precision;
  average_length double precision;
  lexemes text[];
  weights double precision[];
  frequencies bigint[];
  essential integer := 0;
  reached bigint := 0;
  wanted bigint;
  ceiling_of_rest double precision;
  -- The score the pool is expected to end above (then: proven to).
  enough double precision;
  score_sql text;
begin
  if tenant is null then
    return;
  end if;
  select s.chunks, s.lexemes::double precision / nullif(s.chunks, 0)
    into chunk_count, average_length
    from pgrag.keyword_statistics s where s.tenant_id = tenant;
  lexemes := tsvector_to_array(to_tsvector('english', coalesce(query_text, '')));
  if coalesce(chunk_count, 0) <= 0 or cardinality(lexemes) = 0 then
    return;
  end if;
  -- Rarest first; lexemes no chunk holds are dropped.
  select array_agg(l order by df, l),
         array_agg(ln(1 + (chunk_count - df + 0.5) / (df + 0.5)) order by df, l),
         array_agg(df order by df, l)
    into lexemes, weights, frequencies
    from unnest(lexemes, pgrag.lexeme_frequencies(lexemes)) as t(l, df)
   where df > 0;
  if lexemes is null then
    return;
  end if;
  lexemes := lexemes[1:max_lexemes];
  weights := weights[1:max_lexemes];
  frequencies := frequencies[1:max_lexemes];
  score_sql := format($sql$
    with occurrences as (
      select c.id, length(c.content_tsv) as lexeme_count, h.lexeme,
             coalesce(array_length(h.positions, 1), 1) as frequency
        from pgrag.chunks c,
             unnest(ts_filter(setweight(c.content_tsv, 'A', $6), '{a}')) h
       where c.tenant_id = $1
         and pgrag.indexed_keywords(c.tenant_id, c.content_tsv) @@ (pgrag.tenant_lexeme_query($1) && $2)
         and (%s)
    ), ranked as (
      select o.id, sum(w.idf * o.frequency * ($9 + 1)
                       / (o.frequency + $9 * (1 - $10 + $10 * o.lexeme_count / $8))) as score
        from occurrences o join unnest($6, $7) as w(lexeme, idf) using (lexeme)
       group by o.id
       order by score desc, o.id
       limit $11
    )
    select array_agg(id order by score desc, id), array_agg(score order by score desc, id)
      from ranked
    $sql$, pgrag.search_filter_condition(filter));
  -- Start with the fewest rarest lexemes held by a few pools' worth of chunks (scoring a few
  -- hundred chunks costs less than a second round), and enough of them that the others' ceiling
  -- is below the sum of every query lexeme's idf, what a chunk holding each once at the average
  -- length scores. A pool rarely ends above that, so a round that left more lexemes out would
  -- seldom prove itself complete: a second round would score all its chunks again (three common
  -- words over 30,000 chunks: 1,048 chunks, then 4,000 more, where two of the words at once
  -- settle it in one round of 2,400).
  wanted := greatest(4 * pool, 100);
  select sum(w) into enough from unnest(weights) w;
  loop
    loop
      essential := essential + 1;
      reached := reached + frequencies[essential];
      select coalesce(sum(w * (k1 + 1)), 0) into ceiling_of_rest
        from unnest(weights[essential + 1:]) w;
      exit when (reached >= wanted and ceiling_of_rest < enough)
             or essential = cardinality(lexemes);
    end loop;
    execute score_sql into chunk_ids, scores
      using tenant, pgrag.any_lexeme(lexemes[1:essential]), filter -> 'metadata',
            array(select jsonb_array_elements_text(filter -> 'document_ids')),
            filter ->> 'source', lexemes, weights, greatest(average_length, 1), k1, b, pool;
    exit when essential = cardinality(lexemes)
           or (coalesce(cardinality(chunk_ids), 0) = pool and scores[pool] > ceiling_of_rest);
    if coalesce(cardinality(chunk_ids), 0) < pool then
      -- The pool is not full: reach for twice as many chunks.
      wanted := 2 * reached;
    else
      -- More scored chunks only raise the pool's last score, so take in at once every lexeme
      -- whose ceiling still reaches it.
      enough := scores[pool];
      wanted := 0;
    end if;
  end loop;
end
$$;
comment on function pgrag.keyword_arm(text, jsonb, integer) is
  'Internal probe: the BM25 keyword arm, the pool best chunks of the current tenant as ids and scores.';
select pgrag.set_function_owner('pgrag.keyword_arm(text, jsonb, integer)', 'pgrag_search');
grant execute on function pgrag.keyword_arm(text, jsonb, integer) to pgrag_api;

-- Internal: the most rows of `indexed_table` that a query may keep for an exact ranking to be
-- the cheaper way to find their `pool` nearest; above it, walk the HNSW index. An exact scan
-- costs one distance (and one embedding read) per row kept. An iterative walk visits about
-- max(ef_search, pool) / share index entries before it has enough, share being the fraction of
-- the index the query keeps (its tenant's rows that pass the filter), and each visit costs
-- about WALK_COST distances (its neighbour list). So the walk pays once
-- kept > WALK_COST × max(ef_search, pool) × indexed / kept, i.e. above
-- sqrt(WALK_COST × max(ef_search, pool) × indexed). Measured on the search benchmark
-- (100,000 × 1536, ef_search 40): 500 rows of a tenant are ranked exactly in about the time of a
-- walk, 30,000 in 100 times as long; 5,183 rows alone in an index (SciFact) cost 10–25 walks.
-- `set pgrag.exact_search_limit = N` replaces the estimate with N (tests force either path).
create or replace function pgrag.exact_scan_limit(
  indexed_table regclass, pool integer, ef_search integer)
returns bigint
language sql
stable
as $$
  select coalesce(
    nullif(current_setting('pgrag.exact_search_limit', true), '')::bigint,
    -- WALK_COST = 2. reltuples is -1 before the first ANALYZE: count the index as small then.
    ceil(sqrt(2.0 * greatest(ef_search, pool, 1)
              * greatest((select c.reltuples from pg_catalog.pg_class c
                           where c.oid = indexed_table), 1)))::bigint)
$$;
comment on function pgrag.exact_scan_limit(regclass, integer, integer) is
  'Internal: the most rows a vector query may keep for an exact ranking to beat the HNSW walk.';
grant execute on function pgrag.exact_scan_limit(regclass, integer, integer) to pgrag_api;
grant execute on function pgrag.exact_scan_limit(regclass, integer, integer) to pgrag_search;

-- Internal: the semantic arm, the `pool` nearest chunks as parallel arrays (ids, distances).
-- When so few embedded chunks pass the filter that ranking them all is cheaper than walking the
-- index (exact_scan_limit), it ranks them exactly: 100% recall. Otherwise it walks the HNSW
-- index with pgvector's iterative scan, which keeps going until enough rows pass the tenant and
-- filter predicates (a plain HNSW scan stops after ef_search candidates, most of them other
-- tenants'), and falls back to the exact scan in the rare case the walk ends short.
create or replace function pgrag.vector_arm(
  query_embedding vector, filter jsonb, pool integer, ef_search integer,
  out chunk_ids text[], out distances double precision[])
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  tenant uuid := pgrag.current_tenant_id();
  condition text := pgrag.search_filter_condition(filter);
  -- pgvector's schema varies by platform (public, extensions) and search_path is empty here, so
  -- its type and operator are named with it.
  vector_type text := (select e.extnamespace::regnamespace::text || '.' || s.value
                         from pg_catalog.pg_extension e, pgrag.settings s
                        where e.extname = 'vector' and s.key = 'embedding_type');
  vector_schema text := (select extnamespace::regnamespace::text from pg_catalog.pg_extension
                          where extname = 'vector');
  -- Above this many rows kept, the HNSW walk is cheaper (see exact_scan_limit).
  exact_limit constant bigint := pgrag.exact_scan_limit('pgrag.chunks', pool, ef_search);
  passing integer;
  seqscan constant text := current_setting('enable_seqscan');
  bitmapscan constant text := current_setting('enable_bitmapscan');
  sort constant text := current_setting('enable_sort');
  document_ids text[] := array(select jsonb_array_elements_text(filter -> 'document_ids'));
  -- Without %3$s the inner query is pulled up and `order by distance` is the bare operator the
  -- HNSW index serves; with `offset 0` it stays a subquery the index cannot order, so every
  -- distance is computed once and sorted (exact).
  query_sql constant text := $sql$
    select array_agg(id order by distance, id), array_agg(distance order by distance, id)
      from (select id, distance
              from (select c.id, c.embedding operator(%4$s.<=>) $2::%1$s as distance
                      from pgrag.chunks c
                     where c.tenant_id = $1 and c.embedding is not null and (%2$s)
                     %3$s) passing
             order by distance
             limit $6) nearest
  $sql$;
begin
  if tenant is null or query_embedding is null then
    return;
  end if;
  -- The tenant's chunk count bounds how many pass; only a filter on a large tenant needs
  -- counting, and the count stops past the limit.
  select s.chunks into passing from pgrag.keyword_statistics s where s.tenant_id = tenant;
  if passing > exact_limit and condition <> 'true' then
    execute format('select count(*) from (select from pgrag.chunks c where c.tenant_id = $1'
                   ' and c.embedding is not null and (%s) limit $2) passing', condition)
      into passing
      using tenant, exact_limit + 1, filter -> 'metadata', document_ids, filter ->> 'source';
  end if;
  if passing > exact_limit then
    -- The planner prices an exact scan of a few thousand rows below the walk: it does not see
    -- that each row's embedding is a TOAST read (measured on SciFact's 5,183 rows: 53 ms
    -- exact, 3.6 ms walked). The walk was chosen by cost already, so only the index may serve
    -- it: no sequential or bitmap scan, and no sort (the primary key's scan, sorted, was its
    -- next choice); the planner settings are put back for the statements after it.
    perform set_config('hnsw.ef_search', greatest(ef_search, 1)::text, true),
            set_config('hnsw.iterative_scan', 'relaxed_order', true),
            set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
            set_config('enable_sort', 'off', true);
    execute format(query_sql, vector_type, condition, '', vector_schema)
      into chunk_ids, distances
      using tenant, query_embedding, filter -> 'metadata', document_ids, filter ->> 'source', pool;
    perform set_config('enable_seqscan', seqscan, true),
            set_config('enable_bitmapscan', bitmapscan, true), set_config('enable_sort', sort, true);
    -- Short only when fewer rows pass than the count suggested, or the walk hit its limit
    -- (hnsw.max_scan_tuples); the exact scan below settles either case.
    if coalesce(cardinality(chunk_ids), 0) >= pool then
      return;
    end if;
  end if;
  execute format(query_sql, vector_type, condition, 'offset 0', vector_schema)
    into chunk_ids, distances
    using tenant, query_embedding, filter -> 'metadata', document_ids, filter ->> 'source', pool;
end
$$;
comment on function pgrag.vector_arm(vector, jsonb, integer, integer) is
  'Internal probe: the semantic arm, the pool nearest chunks of the current tenant as ids and distances.';
select pgrag.set_function_owner('pgrag.vector_arm(vector, jsonb, integer, integer)', 'pgrag_search');
grant execute on function pgrag.vector_arm(vector, jsonb, integer, integer) to pgrag_api;

-- Contract: hybrid, vector or keyword search over the caller's chunks.
--   mode: 'hybrid' | 'vector' | 'keyword'; null picks hybrid when both a query text and an
--     embedding are given, else the one that is.
--   filter: {"metadata": {...} (jsonb containment), "document_ids": [...], "source": "..."}.
--   Each arm draws a candidate pool of max(match_count, ef_search) rows (match_count alone in a
--   single-arm mode); hybrid scores by reciprocal rank fusion,
--   full_text_weight / (rrf_k + keyword_rank) + semantic_weight / (rrf_k + vector_rank).
--   Single-arm scores are the cosine similarity (vector) or the BM25 score (keyword).
--   similarity is filled whenever an embedding is given and the chunk has one; min_similarity
--   drops every row below it (rows without an embedding included).
-- Returns at most match_count rows, best first. Fewer rows than match_count means fewer exist:
-- each arm returns its whole pool when that many rows pass the filter.
create or replace function pgrag.hybrid_search(
  query_text text,
  query_embedding vector,
  match_count integer default 10,
  filter jsonb default '{}',
  mode text default null,
  full_text_weight double precision default 1,
  semantic_weight double precision default 1,
  rrf_k integer default 60,
  min_similarity double precision default null,
  ef_search integer default 40)
returns table (
  chunk_id text, document_id text, content text, metadata jsonb, score double precision,
  similarity double precision, keyword_rank integer, vector_rank integer)
language plpgsql
volatile
as $$
declare
  search_mode text := coalesce(mode, case
    when query_text is not null and query_embedding is not null then 'hybrid'
    when query_embedding is not null then 'vector'
    else 'keyword' end);
  vector_type text := (select value from pgrag.settings where key = 'embedding_type');
  pool integer;
  keyword_ids text[];
  keyword_scores double precision[];
  vector_ids text[];
  vector_distances double precision[];
begin
  if search_mode not in ('hybrid', 'vector', 'keyword') then
    raise exception 'mode must be hybrid, vector or keyword' using errcode = 'PR400', detail = 'mode';
  end if;
  if match_count is null or match_count not between 1 and 1000 then
    raise exception 'match_count must be between 1 and 1000'
      using errcode = 'PR400', detail = 'top_k';
  end if;
  if search_mode in ('hybrid', 'keyword') and nullif(btrim(query_text), '') is null then
    raise exception 'a % search needs a query text', search_mode
      using errcode = 'PR400', detail = 'query';
  end if;
  if search_mode in ('hybrid', 'vector') and query_embedding is null then
    raise exception 'a % search needs an embedding', search_mode
      using errcode = 'PR400', detail = 'embedding';
  end if;
  if rrf_k is null or rrf_k < 0 then
    raise exception 'rrf_k must be at least 0' using errcode = 'PR400', detail = 'rrf_k';
  end if;
  pool := case when search_mode = 'hybrid' then greatest(match_count, coalesce(ef_search, 40))
               else match_count end;
  if search_mode in ('hybrid', 'keyword') then
    select a.chunk_ids, a.scores into keyword_ids, keyword_scores
      from pgrag.keyword_arm(query_text, filter, pool) a;
  end if;
  if search_mode in ('hybrid', 'vector') then
    select a.chunk_ids, a.distances into vector_ids, vector_distances
      from pgrag.vector_arm(query_embedding, filter, pool, coalesce(ef_search, 40)) a;
  end if;
  -- The order comes from the arms' output alone, so only the rows returned are read (content,
  -- metadata, and for a keyword-only row its embedding, to fill similarity); reading every
  -- candidate's row, as this did first, cost a hybrid search 80 embedding reads for 10 rows. A
  -- similarity floor needs the similarity of every candidate before the limit: that one
  -- computes it per candidate, by primary key.
  return query execute format($sql$
    with keyword as (
      select k.id, k.score, k.rank::integer
        from unnest($1::text[], $2::double precision[]) with ordinality as k(id, score, rank)
    ), semantic as (
      select v.id, v.distance, v.rank::integer
        from unnest($3::text[], $4::double precision[]) with ordinality as v(id, distance, rank)
    ), fused as (
      select coalesce(k.id, v.id) as id, k.score as keyword_score, k.rank as krank,
             v.rank as vrank, 1 - v.distance as arm_similarity
        from keyword k
        full join semantic v on v.id = k.id
    ), scored as (
      select f.*, case $6
               when 'keyword' then f.keyword_score
               when 'vector' then f.arm_similarity
               else coalesce($7 / ($9 + f.krank), 0) + coalesce($8 / ($9 + f.vrank), 0)
             end as score
        from fused f
    ), kept as (
      select s.* from scored s
       where $10::double precision is null
          or coalesce(s.arm_similarity,
                      (select 1 - (c.embedding <=> $5::text::%1$s) from pgrag.chunks c
                        where c.tenant_id = $12 and c.id = s.id)) >= $10
       order by s.score desc, s.id
       limit $11
    )
    select k.id, c.document_id, c.content, c.metadata, k.score,
           coalesce(k.arm_similarity, 1 - (c.embedding <=> $5::text::%1$s)), k.krank, k.vrank
      from kept k
      cross join lateral (select c.document_id, c.content, c.metadata, c.embedding
                            from pgrag.chunks c
                           where c.tenant_id = $12 and c.id = k.id) c
     order by k.score desc, k.id
    $sql$, vector_type)
    using keyword_ids, keyword_scores, vector_ids, vector_distances, query_embedding::text,
          search_mode, full_text_weight, semantic_weight, rrf_k::double precision, min_similarity,
          match_count, pgrag.current_tenant_id();
end
$$;
comment on function pgrag.hybrid_search(text, vector, integer, jsonb, text, double precision,
  double precision, integer, double precision, integer) is
  'Hybrid (BM25 + HNSW, reciprocal rank fusion), vector or keyword search over the caller''s chunks.';
grant execute on function pgrag.hybrid_search(text, vector, integer, jsonb, text, double precision, double precision, integer, double precision, integer) to pgrag_api;

-- Contract: the search as the API answers it, a JSON array of result objects in rank order, each
-- with its embedding as a JSON array when include_embedding is true.
create or replace function pgrag.search_json(
  query_text text, query_embedding vector, match_count integer, filter jsonb, mode text,
  full_text_weight double precision, semantic_weight double precision, rrf_k integer,
  min_similarity double precision, ef_search integer, include_embedding boolean)
returns json
language sql
volatile
as $$
  select coalesce(json_agg(json_build_object(
           'chunk_id', r.chunk_id, 'document_id', r.document_id, 'content', r.content,
           'metadata', r.metadata, 'score', r.score, 'similarity', r.similarity,
           'keyword_rank', r.keyword_rank, 'vector_rank', r.vector_rank)::jsonb
           || case when include_embedding then jsonb_build_object('embedding',
                (select c.embedding::text::jsonb from pgrag.chunks c
                  where c.tenant_id = pgrag.current_tenant_id() and c.id = r.chunk_id))
              else '{}' end
           order by r.position), '[]')
    from pgrag.hybrid_search(query_text, query_embedding, match_count, filter, mode,
           full_text_weight, semantic_weight, rrf_k, min_similarity, ef_search)
         with ordinality as r(chunk_id, document_id, content, metadata, score, similarity,
           keyword_rank, vector_rank, position)
$$;
comment on function pgrag.search_json(text, vector, integer, jsonb, text, double precision,
  double precision, integer, double precision, integer, boolean) is
  'hybrid_search shaped as the API''s JSON results.';
grant execute on function pgrag.search_json(text, vector, integer, jsonb, text, double precision, double precision, integer, double precision, integer, boolean) to pgrag_api;
