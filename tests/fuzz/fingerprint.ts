import type { Database } from "../../shared/db/database.ts";
import { tenantFingerprint } from "../support/api.ts";

/**
 * What a refused request must leave exactly as it was: all the fuzzed tenant stores (documents,
 * chunks, cache, graph, costs, usage counters, keyword statistics) and the tenant registry of
 * every tenant with their API keys, which the admin operations write. The audit log is left
 * out: a refused write or search is audited by design.
 */
export async function storeFingerprint(db: Database, tenantId: string): Promise<string> {
  const tenant = await tenantFingerprint(db, tenantId);
  const rest = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ fingerprint: string }>(
      `select concat_ws(' ',
         (select count(*) || ':' || coalesce(md5(string_agg(c::text, '|' order by c.id)), '')
            from pgrag.cost_tracking c where c.tenant_id = $1),
         (select count(*) || ':' || coalesce(md5(string_agg(k::text, '|')), '')
            from pgrag.keyword_statistics k where k.tenant_id = $1),
         (select count(*) || ':' || coalesce(md5(string_agg(u::text, '|' order by u.tenant_id)), '')
            from pgrag.tenant_usage u),
         (select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t.id)), '')
            from pgrag.tenants t),
         (select count(*) || ':' ||
                 coalesce(md5(string_agg(a::text, '|' order by a.tenant_id, a.id)), '')
            from pgrag.api_keys a)) as fingerprint`,
      [tenantId],
    );
    return row.fingerprint;
  });
  return `${tenant} ${rest}`;
}
