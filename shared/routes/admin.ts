import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { issueApiKey } from "../auth/api-keys.ts";
import { Problem } from "../http/problem.ts";
import { validationHook } from "../http/validation.ts";
import { jsonBody, jsonContent, NOT_FOUND, TENANT_ERRORS } from "./openapi.ts";

const tags = ["admin"];
const security = [{ AdminKey: [] }];
export const ADMIN_KEY_SCHEME = { type: "http", scheme: "bearer" } as const;

const Tenant = z.object({
  id: z.string().uuid(),
  name: z.string(),
  slug: z.string(),
  status: z.enum(["active", "suspended", "deleted"]),
  settings: z.record(z.string(), z.unknown()),
  max_documents: z.number().int().nullable(),
  max_storage_mb: z.number().int().nullable(),
  monthly_budget_usd: z.number().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Tenant");

const NewTenant = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes"),
  settings: z.record(z.string(), z.unknown()).optional(),
  max_documents: z.number().int().min(0).max(2_147_483_647).nullable().optional(),
  max_storage_mb: z.number().int().min(0).max(2_147_483_647).nullable().optional(),
  monthly_budget_usd: z.number().min(0).max(99_999_999.99).nullable().optional(),
}).openapi("NewTenant");

const NewApiKey = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.enum(["reader", "writer", "admin"]),
}).openapi("NewApiKey");

const IssuedKey = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: z.enum(["reader", "writer", "admin"]),
  key: z.string().openapi({ description: "The secret. Shown only in this response." }),
  prefix: z.string(),
  created_at: z.string(),
}).openapi("IssuedApiKey");

const IdParam = z.object({ id: z.string().uuid() });

// The tenant as JSON, built by PostgreSQL so timestamps and numerics read the same on every driver.
const TENANT_JSON = "json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, " +
  "'status', t.status, 'settings', t.settings, 'max_documents', t.max_documents, " +
  "'max_storage_mb', t.max_storage_mb, 'monthly_budget_usd', t.monthly_budget_usd, " +
  "'created_at', t.created_at, 'updated_at', t.updated_at)";

/** API §2, the part that lets an operator onboard a tenant: tenants and their API keys. */
export function adminRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/tenants",
      tags,
      security,
      summary: "Create a tenant",
      request: { body: jsonBody(NewTenant) },
      responses: {
        201: jsonContent(Tenant, "The tenant"),
        ...TENANT_ERRORS,
        409: jsonContent(z.object({}), "The slug is taken"),
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
      return c.json(row.tenant as z.infer<typeof Tenant>, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/tenants/{id}",
      tags,
      security,
      summary: "One tenant",
      request: { params: IdParam },
      responses: { 200: jsonContent(Tenant, "The tenant"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const [[row]] = await c.var.db.run({ role: "admin" }, [{
        text: `select ${TENANT_JSON} as tenant from pgrag.tenants t where t.id = $1`,
        params: [id],
      }]);
      if (!row) throw new Problem("not_found", `tenant ${id} does not exist`);
      return c.json(row.tenant as z.infer<typeof Tenant>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/tenants/{id}/api-keys",
      tags,
      security,
      summary: "Issue an API key for a tenant (the key is shown once)",
      request: { params: IdParam, body: jsonBody(NewApiKey) },
      responses: { 201: jsonContent(IssuedKey, "The key"), ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { name, role } = c.req.valid("json");
      const issued = await issueApiKey();
      const [[row]] = await c.var.db.run({ role: "admin" }, [{
        text: "insert into pgrag.api_keys (tenant_id, name, role, prefix, key_hash) " +
          "select t.id, $2, $3, $4, decode($5, 'hex') from pgrag.tenants t where t.id = $1 " +
          "returning json_build_object('id', id, 'name', name, 'role', role, " +
          "'prefix', prefix, 'created_at', created_at) as key",
        params: [id, name, role, issued.prefix, issued.hash],
      }]);
      if (!row) throw new Problem("not_found", `tenant ${id} does not exist`);
      return c.json(
        { ...(row.key as Omit<z.infer<typeof IssuedKey>, "key">), key: issued.key },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/admin/api-keys/{id}",
      tags,
      security,
      summary: "Revoke an API key; it stops working at once",
      request: { params: IdParam },
      responses: { 204: { description: "Revoked" }, ...TENANT_ERRORS, ...NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const [rows] = await c.var.db.run({ role: "admin" }, [{
        text: "update pgrag.api_keys set revoked_at = coalesce(revoked_at, now()) " +
          "where id = $1 returning id",
        params: [id],
      }]);
      if (rows.length === 0) throw new Problem("not_found", `API key ${id} does not exist`);
      return c.body(null, 204);
    },
  );

  return app;
}
