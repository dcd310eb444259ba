import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { issueApiKey } from "../auth/api-keys.ts";
import { Problem } from "../http/problem.ts";
import { validationHook } from "../http/validation.ts";
import { ADMIN_NOT_FOUND, adminRouteDefiner, IdParam } from "./admin-route.ts";
import { jsonRequestBody, jsonResponse } from "./openapi.ts";

const ROLES = ["reader", "writer", "admin"] as const;

const NewApiKey = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES),
}).openapi("NewApiKey");

const IssuedKey = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: z.enum(ROLES),
  key: z.string().openapi({ description: "The secret. Shown only in this response." }),
  prefix: z.string(),
  created_at: z.string(),
}).openapi("IssuedApiKey");

const ApiKey = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string().openapi({ description: "The first characters of the key, to recognise it." }),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
}).openapi("ApiKey");

const ApiKeyList = z.object({ items: z.array(ApiKey) }).openapi("ApiKeyList");

// A key as listings show it: never the hash, and the secret is not stored to begin with.
const API_KEY_JSON = "json_build_object('id', k.id, 'name', k.name, 'role', k.role, " +
  "'prefix', k.prefix, 'created_at', k.created_at, 'last_used_at', k.last_used_at, " +
  "'revoked_at', k.revoked_at)";

/** API §2, a tenant's credentials: issue, list and revoke API keys. */
export function adminApiKeyRoutes(adminKey: string | undefined) {
  const adminRoute = adminRouteDefiner(adminKey);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    adminRoute({
      method: "post",
      path: "/admin/tenants/{id}/api-keys",
      operationId: "createApiKey",
      summary: "Issue an API key for a tenant (the key is shown once)",
      request: { params: IdParam, body: jsonRequestBody(NewApiKey) },
      responses: { 201: jsonResponse(IssuedKey, "The key"), ...ADMIN_NOT_FOUND },
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
    adminRoute({
      method: "get",
      path: "/admin/tenants/{id}/api-keys",
      operationId: "listApiKeys",
      summary: "A tenant's API keys, revoked ones included, oldest first",
      request: { params: IdParam },
      responses: { 200: jsonResponse(ApiKeyList, "The keys"), ...ADMIN_NOT_FOUND },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      // Grouped by the tenant so an unknown tenant gives no row (404), a keyless one an empty list.
      const [[row]] = await c.var.db.run({ role: "admin" }, [{
        text: "select coalesce(json_agg(" + API_KEY_JSON + " order by k.created_at, k.id) " +
          "filter (where k.id is not null), '[]') as items " +
          "from pgrag.tenants t left join pgrag.api_keys k on k.tenant_id = t.id " +
          "where t.id = $1 group by t.id",
        params: [id],
      }]);
      if (!row) throw new Problem("not_found", `tenant ${id} does not exist`);
      return c.json({ items: row.items as z.infer<typeof ApiKey>[] }, 200);
    },
  );

  app.openapi(
    adminRoute({
      method: "delete",
      path: "/admin/api-keys/{id}",
      operationId: "revokeApiKey",
      summary: "Revoke an API key; it stops working at once",
      request: { params: IdParam },
      responses: { 204: { description: "Revoked" }, ...ADMIN_NOT_FOUND },
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
