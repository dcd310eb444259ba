-- Automatic embedding: the chunks waiting for the configured embedding provider, one row each.
-- Writes queue them (sql/logic/35_embedding_queue.sql) in the transaction that stores the chunk,
-- so a chunk is never stored without its queue entry, and a worker claims entries in batches
-- with FOR UPDATE SKIP LOCKED. An entry leaves the queue in the transaction that stores the
-- embedding it asked for; if the chunk is deleted it goes with it.
create table pgrag.embedding_queue (
  tenant_id uuid not null,
  chunk_id text not null,
  document_id text not null,
  -- md5 of the content to embed: a completion computed for other content is dropped, so a chunk
  -- edited while its embedding was being made is embedded again, from its new text.
  content_hash text not null,
  attempts integer not null default 0 check (attempts >= 0),
  -- Not claimed before this instant: a retry's backoff, or a tenant paused by its budget.
  not_before timestamptz not null default now(),
  -- A claim lasts until this instant; a worker that died leaves it to expire, then to be taken.
  claimed_until timestamptz,
  failed boolean not null default false,
  last_error text,
  enqueued_at timestamptz not null default now(),
  primary key (tenant_id, chunk_id),
  foreign key (tenant_id, chunk_id) references pgrag.chunks (tenant_id, id) on delete cascade
);
comment on table pgrag.embedding_queue is
  'Chunks waiting for the embedding provider, with their claims, attempts and last error.';
-- What a worker looks for first: the tenants with entries that may be claimed now.
create index embedding_queue_due_idx on pgrag.embedding_queue (not_before, tenant_id)
  where not failed;
create index embedding_queue_document_idx on pgrag.embedding_queue (tenant_id, document_id);
