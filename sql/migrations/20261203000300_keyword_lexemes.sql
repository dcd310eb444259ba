-- BM25's document frequencies, kept on write: per tenant and lexeme, how many chunks hold it.
-- Counting them at query time took one GIN lookup per query word, and a common word's lookup
-- visits thousands of heap rows; here it is one primary-key probe. The statement triggers that
-- keep keyword_statistics keep this table too (sql/logic/50_search.sql). Every write updates
-- rows here in place; room left in each page lets those updates stay on the page (HOT), without
-- a new index entry each.
create table pgrag.keyword_lexemes (
  tenant_id uuid not null references pgrag.tenants (id) on delete cascade,
  lexeme text not null,
  -- No check (chunks >= 0), as in keyword_statistics: an upsert checks the row it proposes,
  -- which for a removal is the negative delta itself. A count that reaches 0 stays, at 0.
  chunks bigint not null,
  primary key (tenant_id, lexeme)
) with (fillfactor = 70);
comment on table pgrag.keyword_lexemes is
  'Per tenant and lexeme: the number of chunks whose content_tsv holds it (BM25 document frequency).';

-- Chunks written before this migration.
insert into pgrag.keyword_lexemes (tenant_id, lexeme, chunks)
select c.tenant_id, l.lexeme, count(*)
  from pgrag.chunks c, unnest(tsvector_to_array(c.content_tsv)) as l(lexeme)
 group by c.tenant_id, l.lexeme;
