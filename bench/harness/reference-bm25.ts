/**
 * BM25 as pgrag defines it, computed the slow and obvious way: every chunk of the tenant that
 * holds a query lexeme is scored, document frequencies are counted from the chunks themselves,
 * nothing is pruned. The keyword arm must return this ranking; a test and the SciFact benchmark
 * compare the two.
 *
 * Definition: k1 = 1.2, b = 0.75; a query's terms are the distinct lexemes of
 * to_tsvector('english', query); a chunk's length is its number of distinct lexemes
 * (length(content_tsv)) and the average is over the tenant's chunks (at least 1); idf =
 * ln(1 + (N - df + 0.5) / (df + 0.5)) with N and df over the whole tenant, whatever the filter;
 * tf is the lexeme's number of positions. Ties go to the smaller chunk id.
 *
 * Parameters: $1 query text, $2 metadata filter (jsonb, null for none), $3 how many.
 * Run in the tenant's context (role pgrag_api with its tenant set). Returns (id, score).
 */
export const REFERENCE_BM25_SQL = `
  with terms as (
    select distinct t.lexeme from unnest(tsvector_to_array(to_tsvector('english', $1))) t(lexeme)
  ), tenant as (
    select count(*)::float8 as n, greatest(avg(length(content_tsv))::float8, 1) as avgdl
      from pgrag.chunks where tenant_id = pgrag.current_tenant_id()
  ), occurrences as (
    select c.id, c.metadata, length(c.content_tsv)::float8 as len, o.lexeme,
           coalesce(array_length(o.positions, 1), 1)::float8 as tf
      from pgrag.chunks c, unnest(c.content_tsv) o
     where c.tenant_id = pgrag.current_tenant_id() and o.lexeme in (select lexeme from terms)
  ), frequencies as (
    select lexeme, count(*)::float8 as df from occurrences group by lexeme
  )
  select o.id, sum(ln(1 + (t.n - f.df + 0.5) / (f.df + 0.5))
                   * o.tf * 2.2 / (o.tf + 1.2 * (0.25 + 0.75 * o.len / t.avgdl))) as score
    from occurrences o join frequencies f using (lexeme) cross join tenant t
   where $2::text is null or o.metadata @> $2::text::jsonb
   group by o.id
   order by score desc, o.id
   limit $3`;
