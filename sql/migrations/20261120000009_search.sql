-- What retrieval over chunks needs stored (the search functions are in sql/logic/50_search.sql):
-- a metadata index, BM25's per-tenant sums, and the role the candidate probes run as.

-- Metadata filters are jsonb containment; this index lets a selective filter find its rows
-- without reading the tenant's other chunks.
create index chunks_metadata_idx on pgrag.chunks using gin (metadata jsonb_path_ops);

-- BM25 needs, per tenant, the number of chunks and their average length. Counting them at query
-- time reads every chunk of the tenant, so statement triggers keep the sums instead: one row per
-- tenant, updated once per writing statement (not per row). A chunk's length is the number of
-- distinct lexemes of its content_tsv, which length(tsvector) answers without unpacking it.
create table pgrag.keyword_statistics (
  tenant_id uuid primary key references pgrag.tenants (id) on delete cascade,
  -- No check (chunks >= 0): an upsert checks the row it proposes, which for a delete is the
  -- negative delta itself.
  chunks bigint not null default 0,
  lexemes bigint not null default 0
);
comment on table pgrag.keyword_statistics is
  'Per tenant: chunk count and summed lexeme count, for BM25''s average document length.';

-- Chunks written before this migration.
insert into pgrag.keyword_statistics (tenant_id, chunks, lexemes)
select tenant_id, count(*), sum(length(content_tsv)) from pgrag.chunks group by tenant_id;

-- Row level security and the GIN indexes do not mix: under a policy, PostgreSQL may use an index
-- only for operators marked leakproof, and neither @@ (full text) nor @> (jsonb containment) is,
-- so as pgrag_api every keyword probe would read all of the tenant's chunks. The candidate
-- probes (keyword_arm, vector_arm) therefore run as pgrag_search, a role that cannot log in and
-- whose policies let it read every tenant's chunks, and they pin the tenant themselves from the
-- transaction's context (the same setting the policies read). They return only ids and scores;
-- hybrid_search, a security invoker, then reads the rows themselves under the tenant policy.
do $$
begin
  if not exists (select from pg_roles where rolname = 'pgrag_search') then
    create role pgrag_search nologin nobypassrls noinherit;
  end if;
end
$$;
comment on role pgrag_search is
  'pgrag: owns the search probes, which read every tenant''s chunks and filter by tenant themselves.';
grant pgrag_search to current_user;
