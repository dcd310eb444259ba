/**
 * The tenant under load and its writer key, made through the server's admin API as an operator
 * would make them: the first requests the server answers are these.
 */
import { BASE_PATH } from "../../shared/app.ts";

export interface LoadTenant {
  readonly tenantId: string;
  /** A writer key: it may search and ingest. */
  readonly apiKey: string;
}

export async function createTenantThroughAdminApi(
  origin: string,
  adminKey: string,
): Promise<LoadTenant> {
  const tenant = await postAdmin(origin, adminKey, "/admin/tenants", {
    name: "Load benchmark",
    slug: "load-benchmark",
  });
  const key = await postAdmin(origin, adminKey, `/admin/tenants/${tenant.id}/api-keys`, {
    name: "load benchmark writer",
    role: "writer",
  });
  return { tenantId: String(tenant.id), apiKey: String(key.key) };
}

async function postAdmin(
  origin: string,
  adminKey: string,
  route: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin}${BASE_PATH}${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminKey}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new Error(`POST ${route} answered ${response.status}: ${text}`);
  }
  return JSON.parse(text);
}
