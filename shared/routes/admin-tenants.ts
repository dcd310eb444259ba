import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import { Problem } from "../http/problem.ts";
import { validationHook } from "../http/validation.ts";
import type { Limits } from "../config.ts";
import { jsonObjectSchema } from "../schemas/fields.ts";
import { ADMIN_NOT_FOUND, adminRouteDefiner, IdParam } from "./admin-route.ts";
import { jsonRequestBody, jsonResponse, problemResponse } from "./openapi.ts";

const TENANT_STATUSES = ["active", "suspended", "deleted"] as const;
// "deleted" is not settable here: it is reserved for removing a tenant, which is not a PATCH.
const SETTABLE_STATUSES = ["active", "suspended"] as const;

const Tenant = z.object({
  id: z.string().uuid(),
  name: z.string(),
  slug: z.string(),
  status: z.enum(TENANT_STATUSES),
  settings: z.record(z.string(), z.unknown()),
  max_documents: z.number().int().nullable(),
  max_storage_mb: z.number().int().nullable(),
  monthly_budget_usd: z.number().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Tenant");
type TenantJson = z.infer<typeof Tenant>;

// The writable fields, bounded by the columns they land in (text, integer, numeric(10, 2)).
const name = z.string().trim().min(1).max(200);
const limit = z.number().int().min(0).max(2_147_483_647).nullable();
const budget = z.number().min(0).max(99_999_999.99).nullable();

/** The writable tenant bodies; `settings` is free-form JSON, bounded like every such object. */
function tenantBodies(limits: Limits) {
  const settings = jsonObjectSchema(limits);

  const NewTenant = z.strictObject({
    name,
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes"),
    settings: settings.optional(),
    max_documents: limit.optional(),
    max_storage_mb: limit.optional(),
    monthly_budget_usd: budget.optional(),
  }).openapi("NewTenant");

  const TenantPatch = z.strictObject({
    name: name.optional(),
    settings: settings.optional().openapi({ description: "Replaces the stored settings." }),
    status: z.enum(SETTABLE_STATUSES).optional(),
    max_documents: limit.optional().openapi({ description: "null removes the limit." }),
    max_storage_mb: limit.optional().openapi({ description: "null removes the limit." }),
    monthly_budget_usd: budget.optional().openapi({ description: "null removes the budget." }),
  }, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? "this field cannot be changed" : undefined,
  }).refine((patch) => Object.keys(patch).length > 0, {
    message: "send at least one field to change",
    // An unknown field already explains the failure; "send a field" would only confuse.
    when: (payload) => payload.issues.length === 0,
  }).openapi("TenantPatch", { minProperties: 1 });
  return { NewTenant, TenantPatch };
}

const TenantListQuery = z.object({
  status: z.enum(TENANT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});

const TenantPage = z.object({
  items: z.array(Tenant),
  next_cursor: z.string().nullable(),
}).openapi("TenantPage");

// The tenant as JSON, built by PostgreSQL so timestamps and numerics read the same on every driver.
const TENANT_JSON = "json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, " +
  "'status', t.status, 'settings', t.settings, 'max_documents', t.max_documents, " +
  "'max_storage_mb', t.max_storage_mb, 'monthly_budget_usd', t.monthly_budget_usd, " +
  "'created_at', t.created_at, 'updated_at', t.updated_at)";

// Tenants are listed oldest first, so tenants created during a walk land on its last pages.
const LIST_ORDER = "created_at";

// One page of tenants after a position, with one row more to tell whether another page follows.
// The position travels as text and is cast by PostgreSQL: a driver that knew the parameter for a
// timestamp would pass it through a JavaScript Date and drop the microseconds, and the row at the
// cursor would come back on the next page.
const LIST_TENANTS = `select ${TENANT_JSON} as tenant, t.id::text as page_id, ` +
  `to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as page_at ` +
  "from pgrag.tenants t " +
  "where ($1::text is null or t.status = $1::text) " +
  "and ($2::text is null or (t.created_at, t.id) > ($2::text::timestamptz, $3::text::uuid)) " +
  "order by t.created_at, t.id limit $4";

// One statement whatever the patch holds: a column changes only when its key is present, which
// lets an explicit null clear a limit while an absent key leaves it alone.
const PATCH_TENANT = "update pgrag.tenants t set " +
  "name = case when p ? 'name' then p ->> 'name' else t.name end, " +
  "settings = case when p ? 'settings' then p -> 'settings' else t.settings end, " +
  "status = case when p ? 'status' then p ->> 'status' else t.status end, " +
  "max_documents = case when p ? 'max_documents' " +
  "then (p ->> 'max_documents')::integer else t.max_documents end, " +
  "max_storage_mb = case when p ? 'max_storage_mb' " +
  "then (p ->> 'max_storage_mb')::integer else t.max_storage_mb end, " +
  "monthly_budget_usd = case when p ? 'monthly_budget_usd' " +
  "then (p ->> 'monthly_budget_usd')::numeric else t.monthly_budget_usd end " +
  "from (select $2::text::jsonb as p) patch where t.id = $1 returning " + TENANT_JSON +
  " as tenant";

/** The position a tenant listing resumes after; refuses cursors this listing never made. */
function listPosition(cursor: string): { createdAt: string; id: string } {
  const key = decodeCursor(LIST_ORDER, cursor);
  // decodeCursor checks the shape; the id must also be castable to uuid, or the query would fail.
  if (key.value === null || !z.guid().safeParse(key.id).success) {
    throw new Problem("validation_failed", "the cursor is not valid for this listing", {
      errors: [{ path: "cursor", message: "pass next_cursor from the previous page unchanged" }],
    });
  }
  return { createdAt: key.value, id: key.id };
}

/** API §2, the tenant registry: create, list, read and change tenants. */
export function adminTenantRoutes(adminKey: string | undefined, limits: Limits) {
  const adminRoute = adminRouteDefiner(adminKey);
  const { NewTenant, TenantPatch } = tenantBodies(limits);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    adminRoute({
      method: "post",
      path: "/admin/tenants",
      operationId: "createTenant",
      summary: "Create a tenant",
      request: { body: jsonRequestBody(NewTenant) },
      responses: {
        201: jsonResponse(Tenant, "The tenant"),
        409: problemResponse("`conflict`: the slug is taken"),
      },
    }),
    async (c) => {
      const tenant = c.req.valid("json");
      const [[row]] = await c.var.db.run({ role: "admin" }, [{
        text: "insert into pgrag.tenants as t " +
          "(name, slug, settings, max_documents, max_storage_mb, monthly_budget_usd) " +
          "values ($1, $2, $3::text::jsonb, $4, $5, $6) returning " + TENANT_JSON + " as tenant",
        params: [
          tenant.name,
          tenant.slug,
          JSON.stringify(tenant.settings ?? {}),
          tenant.max_documents ?? null,
          tenant.max_storage_mb ?? null,
          tenant.monthly_budget_usd ?? null,
        ],
      }]);
      return c.json(row.tenant as TenantJson, 201);
    },
  );

  app.openapi(
    adminRoute({
      method: "get",
      path: "/admin/tenants",
      operationId: "listTenants",
      summary: "List tenants, oldest first, keyset-paginated",
      request: { query: TenantListQuery },
      responses: { 200: jsonResponse(TenantPage, "One page") },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const after = query.cursor ? listPosition(query.cursor) : null;
      const [rows] = await c.var.db.run({ role: "admin" }, [{
        text: LIST_TENANTS,
        params: [
          query.status ?? null,
          after?.createdAt ?? null,
          after?.id ?? null,
          query.limit + 1,
        ],
      }]);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > query.limit && last
        ? encodeCursor(LIST_ORDER, { value: last.page_at as string, id: last.page_id as string })
        : null;
      return c.json(
        { items: page.map((row) => row.tenant as TenantJson), next_cursor: nextCursor },
        200,
      );
    },
  );

  app.openapi(
    adminRoute({
      method: "get",
      path: "/admin/tenants/{id}",
      operationId: "getTenant",
      summary: "One tenant",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Tenant, "The tenant"), ...ADMIN_NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const [[row]] = await c.var.db.run({ role: "admin" }, [{
        text: `select ${TENANT_JSON} as tenant from pgrag.tenants t where t.id = $1`,
        params: [id],
      }]);
      if (!row) throw new Problem("not_found", `tenant ${id} does not exist`);
      return c.json(row.tenant as TenantJson, 200);
    },
  );

  app.openapi(
    adminRoute({
      method: "patch",
      path: "/admin/tenants/{id}",
      operationId: "updateTenant",
      summary: "Change a tenant's name, settings, status or limits",
      description: "Only the fields sent change. A suspended tenant's API keys are refused " +
        "(403 tenant_suspended) from the next request on. The slug cannot be changed.",
      request: { params: IdParam, body: jsonRequestBody(TenantPatch) },
      responses: { 200: jsonResponse(Tenant, "The tenant"), ...ADMIN_NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const [[row]] = await c.var.db.run({ role: "admin" }, [{
        text: PATCH_TENANT,
        params: [id, JSON.stringify(patch)],
      }]);
      if (!row) throw new Problem("not_found", `tenant ${id} does not exist`);
      return c.json(row.tenant as TenantJson, 200);
    },
  );

  return app;
}
