-- Two changes to the keyword index of chunks, made in one migration because each rewrites the
-- table (and with it the HNSW index).
--
-- A document's title joins the keyword vector of each of its chunks, twice. Retrieval benchmarks
-- score title and text together (BEIR's BM25 does), and a title names what a chunk is about in the
-- words a query uses. Twice weighs its words double in BM25's term frequency (the chunk's length,
-- its distinct lexemes, does not change): SciFact train nDCG@10 in keyword mode was 0.6831 without
-- the title, 0.6941 with it once, 0.7010 twice and 0.7005 three times. The title is copied into
-- the chunk row on write (store_chunks), since a generated column can read only its own row.
--
-- The GIN index holds each chunk's tenant as one more lexeme. Without it the index answers for
-- every tenant at once: a common word's matches were read from the heap for all tenants and
-- only then filtered by tenant, so a tenant holding 0.5% of the chunks paid for all of them.
-- With it, the probe asks for the tenant's lexeme AND the query's words, and GIN intersects the
-- two posting lists before any heap page is read. The lexeme is 'tenant <uuid>': to_tsvector
-- never yields a lexeme with a space, so no text can match it. It lives only in the index
-- expression, so content_tsv, the lengths and the document frequencies BM25 reads are the chunk's
-- own words alone. pgrag.indexed_keywords (sql/logic/50_search.sql) writes the same expression
-- for the queries, and PostgreSQL inlines it, so they match the index.

alter table pgrag.chunks add column title text;
comment on column pgrag.chunks.title is
  'The title of the chunk''s document, copied on write, for the keyword vector.';

-- Filled and indexed in one rewrite of the table: the title through a type "change" whose USING
-- reads the document (a subquery is not allowed there, a function is), and the new keyword
-- vector computed from it in the same pass. An UPDATE instead would write every row twice and
-- insert each into the HNSW index one at a time (minutes for 100,000 rows, where the rewrite
-- rebuilds the index in bulk). The function is the migration's own, in pg_temp: it is gone when
-- the migration's session ends.
create function pg_temp.document_title(tenant uuid, document text)
returns text
language sql
stable
as $$
  select d.title from pgrag.documents d where d.tenant_id = tenant and d.id = document
$$;
alter table pgrag.chunks drop column content_tsv;
-- Stored main as before (see 20261203000400): set in the same statement as the column, so the
-- rewrite that fills it already keeps it in the row.
alter table pgrag.chunks
  alter column title type text using pg_temp.document_title(tenant_id, document_id),
  add column content_tsv tsvector not null
    generated always as (
      to_tsvector('english', coalesce(title || ' ' || title || ' ', '') || content)) stored,
  alter column content_tsv set storage main;
comment on column pgrag.chunks.content_tsv is
  'English full-text vector of the document''s title and the chunk''s content, for keyword search.';

create index chunks_keywords_idx on pgrag.chunks
  using gin ((content_tsv || array_to_tsvector(array['tenant ' || tenant_id::text])));

truncate pgrag.keyword_lexemes, pgrag.keyword_statistics;
insert into pgrag.keyword_statistics (tenant_id, chunks, lexemes)
select tenant_id, count(*), sum(length(content_tsv)) from pgrag.chunks group by tenant_id;
insert into pgrag.keyword_lexemes (tenant_id, lexeme, chunks)
select c.tenant_id, l.lexeme, count(*)
  from pgrag.chunks c, unnest(tsvector_to_array(c.content_tsv)) as l(lexeme)
 group by c.tenant_id, l.lexeme;
