/**
 * Everything of schema pgrag that an install defines, as sorted (kind, name, definition) rows:
 * functions (a hash of their full definition, owner, grants, comment), policies, triggers,
 * relations with their grants, row level security and comments, columns, indexes, constraints,
 * the schema's grants, pgrag's roles, default privileges, extensions and the migration records.
 * Two databases with equal snapshots behave alike; OIDs and grant order, which differ between
 * equal installs, are left out.
 */
import type { Queryable } from "../../shared/db/database.ts";

export interface SnapshotRow {
  kind: string;
  name: string;
  definition: string;
}

const SNAPSHOT = `
    select 'function' as kind, p.oid::regprocedure::text as name, md5(pg_get_functiondef(p.oid)) || ' owner=' || p.proowner::regrole::text || ' acl=' || coalesce((select string_agg(x, ',' order by x) from unnest(p.proacl::text[]) x), '') || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '')
      as definition
      from pg_proc p where p.pronamespace = 'pgrag'::regnamespace
    union all
    select 'policy', tablename || '.' || policyname, permissive || ' ' || roles::text || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
      from pg_policies where schemaname = 'pgrag'
    union all
    select 'trigger', t.tgrelid::regclass::text || '.' || t.tgname, pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
      from pg_trigger t join pg_class c on c.oid = t.tgrelid where c.relnamespace = 'pgrag'::regnamespace and not t.tgisinternal
    union all
    select 'relation', c.oid::regclass::text, c.relkind::text || ' owner=' || c.relowner::regrole::text || ' acl=' || coalesce((select string_agg(x, ',' order by x) from unnest(c.relacl::text[]) x), '') || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
      from pg_class c where c.relnamespace = 'pgrag'::regnamespace and c.relkind in ('r','p','v','m','S','i','I')
    union all
    select 'column', a.attrelid::regclass::text || '.' || a.attname, format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' gen=' || a.attgenerated::text || ' comment=' || coalesce(col_description(a.attrelid, a.attnum), '')
      from pg_attribute a join pg_class c on c.oid = a.attrelid left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where c.relnamespace = 'pgrag'::regnamespace and a.attnum > 0 and not a.attisdropped and c.relkind in ('r','p','v','m')
    union all
    select 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
      from pg_index i join pg_class c on c.oid = i.indrelid where c.relnamespace = 'pgrag'::regnamespace
    union all
    select 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
      from pg_constraint where connamespace = 'pgrag'::regnamespace
    union all
    select 'schema', nspname, coalesce((select string_agg(x, ',' order by x) from unnest(nspacl::text[]) x), '') || ' comment=' || coalesce(obj_description(oid, 'pg_namespace'), '') || ' owner=' || nspowner::regrole::text
      from pg_namespace where nspname = 'pgrag'
    union all
    select 'role', rolname, concat_ws(',', rolsuper, rolinherit, rolcreaterole, rolcanlogin, rolbypassrls) || ' comment=' || coalesce(shobj_description(oid, 'pg_authid'), '')
      from pg_roles where rolname like 'pgrag\_%'
    union all
    select 'default acl', defaclrole::regrole::text || ' ' || defaclnamespace::regnamespace::text || ' ' || defaclobjtype::text, coalesce((select string_agg(x, ',' order by x) from unnest(defaclacl::text[]) x), '')
      from pg_default_acl
    union all
    select 'extension', extname, extversion from pg_extension
    union all
    select 'migration', version, name || ' ' || checksum from pgrag.schema_migrations
    order by 1, 2, 3`;

export async function schemaSnapshot(tx: Queryable): Promise<string[]> {
  const rows = await tx.query<SnapshotRow & Record<string, unknown>>(SNAPSHOT);
  return rows.map((row) => `${row.kind} ${row.name}: ${row.definition}`);
}
