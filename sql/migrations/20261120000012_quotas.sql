-- Quotas: a tenant's max_documents and max_storage_mb hold however many requests write at once.
--
-- Counting the documents on every write would read all of the tenant's rows, and two concurrent
-- counts would each miss the other's uncommitted rows. Instead statement triggers add each
-- statement's change to one counter row per tenant. The counter's UPDATE takes the row's lock, so
-- concurrent writers of one tenant pass one at a time: the second waits for the first to commit,
-- then adds its change to the committed total and checks that. N concurrent inserts against a
-- limit M therefore admit exactly M. Storage is the UTF-8 size of the documents' content.

create table pgrag.tenant_usage (
  tenant_id uuid primary key references pgrag.tenants (id) on delete cascade,
  -- No checks (>= 0): an upsert checks the row it proposes, which for a delete is the negative
  -- delta itself.
  documents bigint not null default 0,
  storage_bytes bigint not null default 0
);
comment on table pgrag.tenant_usage is
  'Per tenant: document count and content bytes, kept by triggers, checked against the quotas.';

-- Documents written before this migration.
insert into pgrag.tenant_usage (tenant_id, documents, storage_bytes)
select tenant_id, count(*), sum(octet_length(content)) from pgrag.documents group by tenant_id;
