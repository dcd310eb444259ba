-- Set-based writes for documents and chunks. Each HTTP write calls one of these functions once:
-- the whole batch travels as one JSON parameter, is unpacked by json_to_recordset and written by
-- one INSERT ... ON CONFLICT per table, so a request is one statement in one transaction. They
-- run as the caller (security invoker), so row level security scopes every row to its tenant.
-- Errors about one item name it in DETAIL by its request path (`chunks[3].document_id`).

-- Keyset pagination needs indexes whose column directions match `order by x desc, id desc`.
drop index pgrag.documents_updated_idx;
drop index pgrag.documents_created_idx;
drop index pgrag.documents_status_idx;
create index documents_updated_idx on pgrag.documents (tenant_id, updated_at desc, id desc);
create index documents_created_idx on pgrag.documents (tenant_id, created_at desc, id desc);
create index documents_status_idx on pgrag.documents (tenant_id, status, updated_at desc, id desc);
