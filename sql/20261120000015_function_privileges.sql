-- Functions are executable by PUBLIC when created. The per-schema default privilege set in the
-- roles migration cannot take that away (per-schema defaults only add to the global ones), so
-- until now every pgrag function was callable by any role that could reach the schema. This
-- revokes PUBLIC's EXECUTE from all of them; each role keeps exactly what was granted to it
-- function by function (and the catalog test keeps it that way for later migrations).
revoke execute on all functions in schema pgrag from public;

-- The search probes pin the tenant themselves from the transaction's context.
grant execute on function pgrag.current_tenant_id() to pgrag_search;

-- api_keys never held a tenant policy: the API role has no privileges on it, and this restrictive
-- policy keeps it that way should a grant ever be added.
create policy "Rows are visible only to their own tenant" on pgrag.api_keys as restrictive
  for all to pgrag_api
  using (tenant_id = (select pgrag.current_tenant_id()))
  with check (tenant_id = (select pgrag.current_tenant_id()));
