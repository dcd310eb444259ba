/**
 * Invariants of the pgrag schema read from pg_catalog. Each check is one query returning the
 * objects that break it (`object`, `problem`), so an empty answer means the schema holds. The
 * queries discover tables, functions and roles by their properties rather than by name: a table
 * or function added later is checked without touching this file.
 */
import type { Database, Queryable } from "../../shared/db/database.ts";

export interface Violation {
  object: string;
  problem: string;
}

export interface CatalogCheck {
  /** What holds when the query returns no rows. */
  rule: string;
  sql: string;
}

/** Tables of schema pgrag (partitions included) that have a live `tenant_id` column. */
const TENANT_TABLES = `
  select c.oid, c.oid::regclass::text as name, c.relispartition,
         c.relrowsecurity, c.relforcerowsecurity
    from pg_class c
   where c.relnamespace = 'pgrag'::regnamespace
     and c.relkind in ('r', 'p')
     and exists (select from pg_attribute a
                  where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`;

// Restrictive policies that bind pgrag_api (directly, through a role it belongs to, or PUBLIC),
// and whether their expressions pin rows to the transaction's tenant.
const API_RESTRICTIVE_POLICIES = `
  select p.polrelid, p.polcmd,
         coalesce(pg_get_expr(p.polqual, p.polrelid), '') ~ 'current_tenant_id' as using_pins,
         coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') ~ 'current_tenant_id'
           as check_pins
    from pg_policy p
   where not p.polpermissive
     and exists (select from unnest(p.polroles) as r(oid)
                  where r.oid = 0 or pg_has_role('pgrag_api', r.oid, 'MEMBER'))`;

const tenantTablesForceTenantPolicies: CatalogCheck = {
  rule: "every tenant table forces row level security and pins pgrag_api to its tenant",
  sql: `
    with tenant_tables as (${TENANT_TABLES}),
    api_restrictive as (${API_RESTRICTIVE_POLICIES}),
    commands (name, code) as (
      values ('SELECT', 'r'), ('INSERT', 'a'), ('UPDATE', 'w'), ('DELETE', 'd')
    )
    select name as object, 'row level security is not enabled' as problem
      from tenant_tables where not relrowsecurity
    union all
    select name, 'row level security is not forced (the owner would bypass it)'
      from tenant_tables where not relforcerowsecurity
    union all
    -- Partitions are reached through their parent, whose policies apply; only the parent
    -- needs them.
    select t.name, 'no restrictive policy for pgrag_api whose USING calls current_tenant_id()'
      from tenant_tables t
     where not t.relispartition
       and not exists (select from api_restrictive p where p.polrelid = t.oid and p.using_pins)
    union all
    -- Reads and deletes are pinned by USING; inserts by WITH CHECK; updates need both, or a row
    -- could be moved to another tenant.
    select t.name, c.name || ' is granted to pgrag_api but no restrictive policy pins it (' ||
             case c.code when 'a' then 'WITH CHECK'
                         when 'w' then 'USING and WITH CHECK'
                         else 'USING' end || ' calling current_tenant_id())'
      from tenant_tables t cross join commands c
     where not t.relispartition
       and case c.code when 'd' then has_table_privilege('pgrag_api', t.oid, c.name)
                       else has_any_column_privilege('pgrag_api', t.oid, c.name) end
       and not exists (
         select from api_restrictive p
          where p.polrelid = t.oid and p.polcmd in ('*', c.code)
            and case c.code when 'a' then p.check_pins
                            when 'w' then p.using_pins and p.check_pins
                            else p.using_pins end)
    order by 1, 2`,
};

const requestRolesCannotEscalate: CatalogCheck = {
  rule: "no pgrag_ role is a superuser, bypasses row level security or logs in; only " +
    "pgrag_maintenance owns tables (the audit and cost ledgers, their partitions, the " +
    "statistics view); pgrag_api owns nothing and belongs to no role that bypasses row level " +
    "security",
  sql: `
    with pgrag_roles as (select * from pg_roles where rolname like 'pgrag\\_%')
    select rolname as object, 'is a superuser' as problem from pgrag_roles where rolsuper
    union all
    select rolname, 'bypasses row level security' from pgrag_roles where rolbypassrls
    union all
    select rolname, 'can log in' from pgrag_roles where rolcanlogin
    union all
    select r.rolname, 'owns table ' || c.oid::regclass::text
      from pgrag_roles r
      join pg_class c on c.relowner = r.oid
     where c.relnamespace = 'pgrag'::regnamespace and c.relkind in ('r', 'p', 'm')
       -- The books' keeper creates next month's partitions, which needs their parents' ownership.
       and not (r.rolname = 'pgrag_maintenance' and (
         c.relname in ('audit_logs', 'cost_tracking', 'tenant_statistics') or
         c.relname ~ '^(audit_logs|cost_tracking)_[0-9]{4}_[0-9]{2}$'))
    union all
    -- Ownership of any kind (function, type, schema, ...) in this database or cluster-wide.
    select 'pgrag_api', 'owns ' || pg_describe_object(d.classid, d.objid, d.objsubid)
      from pg_shdepend d
     where d.refclassid = 'pg_authid'::regclass and d.refobjid = 'pgrag_api'::regrole
       and d.deptype = 'o'
       and d.dbid in (0, (select oid from pg_database where datname = current_database()))
    union all
    -- pg_has_role(..., 'MEMBER') follows memberships transitively, inherited or not: SET ROLE
    -- reaches any of them.
    select 'pgrag_api', 'is a member of ' || r.rolname || ', which ' ||
             case when r.rolsuper then 'is a superuser' else 'bypasses row level security' end
      from pg_roles r
     where (r.rolsuper or r.rolbypassrls) and r.rolname <> 'pgrag_api'
       and pg_has_role('pgrag_api', r.oid, 'MEMBER')
    order by 1, 2`,
};

const uniqueKeysLeadWithTenant: CatalogCheck = {
  rule: "every unique index, primary key or unique constraint of a tenant table starts with " +
    "tenant_id",
  sql: `
    with tenant_tables as (${TENANT_TABLES})
    select i.indexrelid::regclass::text as object,
           'unique key of ' || t.name || ' starts with ' ||
             coalesce(quote_ident(a.attname), 'an expression') || ', not tenant_id' as problem
      from tenant_tables t
      join pg_index i on i.indrelid = t.oid
      left join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
     where (i.indisunique or i.indisprimary)
       and a.attname is distinct from 'tenant_id'
    order by 1, 2`,
};

const securityDefinersArePinned: CatalogCheck = {
  rule: "every security definer function lives in schema pgrag with search_path = ''",
  sql: `
    with definers as (
      select p.oid::regprocedure::text as name, p.pronamespace, p.proconfig
        from pg_proc p
       where p.prosecdef
         and p.pronamespace not in ('pg_catalog'::regnamespace,
                                    'information_schema'::regnamespace)
         -- Functions of extensions are the extension's business.
         and not exists (select from pg_depend d
                          where d.classid = 'pg_proc'::regclass and d.objid = p.oid
                            and d.deptype = 'e')
    )
    select name as object, 'security definer outside schema pgrag' as problem
      from definers where pronamespace <> 'pgrag'::regnamespace
    union all
    -- SET search_path = '' is stored as search_path="".
    select name, 'security definer without search_path = '''''
      from definers
     where not coalesce(proconfig, '{}') && array['search_path=""', 'search_path=']
    order by 1, 2`,
};

const functionsNotExecutableByPublic: CatalogCheck = {
  rule: "no function in schema pgrag is executable by PUBLIC",
  sql: `
    -- A null proacl means the default privileges, which give PUBLIC EXECUTE.
    select p.oid::regprocedure::text as object, 'executable by PUBLIC' as problem
      from pg_proc p
     cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) acl
     where p.pronamespace = 'pgrag'::regnamespace
       and acl.grantee = 0 and acl.privilege_type = 'EXECUTE'
    order by 1, 2`,
};

const functionsCommented: CatalogCheck = {
  rule: "every function in schema pgrag has a COMMENT ON saying what it returns or does",
  sql: `
    select p.oid::regprocedure::text as object, 'no COMMENT ON' as problem
      from pg_proc p
     where p.pronamespace = 'pgrag'::regnamespace
       and coalesce(btrim(obj_description(p.oid, 'pg_proc')), '') = ''
    order by 1, 2`,
};

const partitionsClosedToApi: CatalogCheck = {
  rule: "pgrag_api holds no privilege on any partition: it goes through the parent's policies",
  sql: `
    with privileges (name) as (
      select unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES',
                          'TRIGGER'] ||
                    case when current_setting('server_version_num')::int >= 170000
                         then array['MAINTAIN'] else '{}' end)
    ),
    partitions as (
      select c.oid, c.oid::regclass::text as name
        from pg_class c
        join pg_class root on root.oid = pg_partition_root(c.oid)
       where c.relispartition and c.relkind in ('r', 'p')
         and root.relnamespace = 'pgrag'::regnamespace
    )
    select t.name as object, 'pgrag_api holds ' || string_agg(p.name, ', ' order by p.name)
             || ' on it' as problem
      from partitions t
      join privileges p
        on has_table_privilege('pgrag_api', t.oid, p.name)
        or (p.name in ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
            and has_any_column_privilege('pgrag_api', t.oid, p.name))
     group by t.name
    order by 1, 2`,
};

export const CATALOG_CHECKS = {
  tenantTablesForceTenantPolicies,
  requestRolesCannotEscalate,
  uniqueKeysLeadWithTenant,
  securityDefinersArePinned,
  functionsNotExecutableByPublic,
  functionsCommented,
  partitionsClosedToApi,
} as const;

export type CatalogCheckName = keyof typeof CATALOG_CHECKS;

export async function findViolations(tx: Queryable, check: CatalogCheck): Promise<Violation[]> {
  return await tx.query<Violation & Record<string, unknown>>(check.sql);
}

/** One line per offender, for failure messages. */
export function describeViolations(check: CatalogCheck, violations: Violation[]): string {
  const lines = violations.map((v) => `  ${v.object}: ${v.problem}`);
  return [`${check.rule}; offenders:`, ...lines].join("\n");
}

/**
 * The tenant tables requests reach (partitions are reached through them), by their qualified and
 * quoted names, ready to paste into SQL.
 */
export async function listTenantTables(tx: Queryable): Promise<string[]> {
  const rows = await tx.query<{ name: string }>(
    `select name from (${TENANT_TABLES}) t where not relispartition order by name`,
  );
  return rows.map((row) => row.name);
}

class RollBack extends Error {}

/**
 * Runs `work` in a transaction of the connecting role and rolls it back, returning what `work`
 * returned. The seam commits whatever does not throw, so the rollback is a throw that is caught
 * here; drivers wrap it in their own error, hence the look at `cause`.
 */
export async function inRolledBackTransaction<T>(
  db: Database,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  let result: { value: T } | undefined;
  try {
    await db.transaction(async (tx) => {
      result = { value: await work(tx) };
      throw new RollBack("rolled back on purpose");
    });
  } catch (error) {
    const rolledBack = error instanceof RollBack ||
      (error as { cause?: unknown })?.cause instanceof RollBack;
    if (!rolledBack || !result) throw error;
  }
  if (!result) throw new Error("the transaction ended without running its work");
  return result.value;
}
