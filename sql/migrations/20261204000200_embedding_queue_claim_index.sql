-- A tenant's queue entries in the order claims take them (sql/logic/35_embedding_queue.sql): a
-- claim reads its batch from the front without sorting the tenant's whole backlog, and
-- embedding_tenants skips through it from one tenant to the next.
create index embedding_queue_claim_idx on pgrag.embedding_queue (tenant_id, not_before, chunk_id)
  where not failed;
