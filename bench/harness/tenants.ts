/**
 * Tenants and API keys of a benchmark database, written directly as the superuser (the admin
 * routes write the same rows): creating them is setup, never part of a measurement.
 */
import type postgres from "postgres";
import { issueApiKey } from "../../shared/auth/api-keys.ts";

export interface NewTenant {
  /** A fixed id, so generated data can name its tenant before it exists; else one is drawn. */
  readonly id?: string;
  readonly name: string;
  readonly slug: string;
}

/** Creates the tenants; returns their ids in order. */
export async function createTenants(
  sql: postgres.Sql,
  tenants: readonly NewTenant[],
): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    insert into pgrag.tenants (id, name, slug)
    select coalesce(t.id, gen_random_uuid()), t.name, t.slug
      from rows from (json_to_recordset(${JSON.stringify(tenants)}::text::json)
                        as (id uuid, name text, slug text))
             with ordinality as t(id, name, slug, position)
     order by t.position
    returning id`;
  return rows.map((row) => row.id);
}

export async function createTenant(sql: postgres.Sql, tenant: NewTenant): Promise<string> {
  const [id] = await createTenants(sql, [tenant]);
  return id;
}

/**
 * A fresh key of the tenant, named `name`, at `role`; keys of that name are deleted first, so
 * a reused database does not pile up keys. Returns the secret.
 */
export async function issueTenantKey(
  sql: postgres.Sql,
  tenantId: string,
  name: string,
  role: "reader" | "writer",
): Promise<string> {
  const issued = await issueApiKey();
  await sql`delete from pgrag.api_keys where tenant_id = ${tenantId} and name = ${name}`;
  await sql`
    insert into pgrag.api_keys (tenant_id, name, role, prefix, key_hash)
    values (${tenantId}, ${name}, ${role}, ${issued.prefix}, decode(${issued.hash}, 'hex'))`;
  return issued.key;
}
