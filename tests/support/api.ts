import { createPgragClient, type PgragClient } from "../../clients/typescript/mod.ts";
import { createApp } from "../../shared/app.ts";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { parseConfig } from "../../shared/config.ts";
import type { AccessLevel, Database } from "../../shared/db/database.ts";
import type { EmbeddingProvider } from "../../shared/embedding/provider.ts";
import { EmbeddingServices } from "../../shared/embedding/services.ts";
import { responseValidator } from "./response-validator.ts";
import {
  createTenant,
  openTestDatabase,
  TEST_EMBEDDING_DIM,
  type TestDatabase,
} from "./database.ts";

export interface ApiResponse {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

export interface RequestOptions {
  /** The API key to send; the tenant's writer key unless given (null sends none). */
  key?: string | null;
  /** A JSON body, or a raw string or bytes sent as they are. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The HTTP app on the current driver's test database, with one tenant and its keys. */
export interface TestApi {
  test: TestDatabase;
  /** The app itself, to serve it on a port (`Deno.serve(..., api.app.fetch)`). */
  app: ReturnType<typeof createApp>;
  tenantId: string;
  keys: Record<AccessLevel, string>;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  /** The typed client (clients/typescript) on the same app, with the tenant's writer key. */
  client: PgragClient;
  /** The embedding provider's services, when the API was opened with a provider. */
  embedding: EmbeddingServices | null;
  /** Another tenant with its own keys on the same app and database. */
  addTenant(): Promise<{ tenantId: string; keys: Record<AccessLevel, string> }>;
  close(): Promise<void>;
}

export async function openTestApi(
  env: Record<string, string> = {},
  options: {
    /** Builds the embedding provider from the configuration (PGRAG_EMBEDDING_* in `env`). */
    embeddingProvider?: (config: ReturnType<typeof parseConfig>) => EmbeddingProvider;
  } = {},
): Promise<TestApi> {
  const test = await openTestDatabase();
  const config = parseConfig({ PGRAG_EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), ...env });
  const database = () => Promise.resolve(test.db);
  const embedding = options.embeddingProvider
    ? new EmbeddingServices(options.embeddingProvider(config), database, config.embedding)
    : null;
  const app = createApp({ config, database, embedding });
  const validator = await responseValidator(app);

  const addTenant = async () => {
    const tenantId = await createTenant(test.db);
    const keys = {
      reader: await createApiKey(test.db, tenantId, "reader"),
      writer: await createApiKey(test.db, tenantId, "writer"),
      admin: await createApiKey(test.db, tenantId, "admin"),
    };
    return { tenantId, keys };
  };
  const first = await addTenant();

  return {
    test,
    app,
    embedding,
    ...first,
    addTenant,
    client: createPgragClient({
      baseUrl: "http://pgrag.test/rag/v1",
      apiKey: first.keys.writer,
      fetch: async (request) => {
        const response = await app.fetch(request);
        const text = await response.clone().text();
        const path = new URL(request.url).pathname.replace(/^\/rag\/v1/, "");
        validator.check(request.method, path, response, text ? JSON.parse(text) : null);
        return response;
      },
    }),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? first.keys.writer : options.key;
      if (key !== null) headers["X-API-Key"] = key;
      let body: string | Uint8Array<ArrayBuffer> | undefined;
      if (options.body !== undefined) {
        const raw = typeof options.body === "string" || options.body instanceof Uint8Array;
        body = raw
          ? options.body as string | Uint8Array<ArrayBuffer>
          : JSON.stringify(options.body);
        headers["Content-Type"] ??= "application/json";
      }
      const response = await app.request(`/rag/v1${path}`, { method, headers, body });
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : null;
      validator.check(method, path, response, parsed);
      return { status: response.status, body: parsed, headers: response.headers };
    },
    close: async () => {
      await embedding?.stop();
      await test.close();
    },
  };
}

/** Issues an API key for a tenant directly in the database and returns the secret. */
export async function createApiKey(
  db: Database,
  tenantId: string,
  role: AccessLevel,
): Promise<string> {
  const issued = await issueApiKey();
  await db.run({ role: "admin" }, [{
    text: "insert into pgrag.api_keys (tenant_id, name, role, prefix, key_hash) " +
      "values ($1, $2, $3, $4, decode($5, 'hex'))",
    params: [tenantId, `${role} key`, role, issued.prefix, issued.hash],
  }]);
  return issued.key;
}

/**
 * A fingerprint of everything a tenant has stored (every column of every row, timestamps
 * included), to show that a refused request changed nothing and a repeated one changed nothing
 * more. Read as the connecting role, which the tests run as a superuser.
 */
export async function tenantFingerprint(db: Database, tenantId: string): Promise<string> {
  return await db.transaction(async (tx) => {
    const [row] = await tx.query<{ fingerprint: string }>(
      `select concat_ws(' ',
         (select count(*) || ':' || coalesce(md5(string_agg(d::text, '|' order by d.id)), '')
            from pgrag.documents d where d.tenant_id = $1),
         (select count(*) || ':' || coalesce(md5(string_agg(c::text, '|' order by c.id)), '')
            from pgrag.chunks c where c.tenant_id = $1),
         (select count(*) || ':' || coalesce(md5(string_agg(e::text, '|' order by e.key)), '')
            from pgrag.llm_cache e where e.tenant_id = $1),
         (select count(*) || ':' || coalesce(md5(string_agg(g::text, '|' order by g.id)), '')
            from pgrag.entities g where g.tenant_id = $1),
         (select count(*) || ':' ||
                 coalesce(md5(string_agg(r::text, '|' order by r.source_id, r.target_id)), '')
            from pgrag.relations r where r.tenant_id = $1),
         (select count(*) || ':' ||
                 coalesce(md5(string_agg(k::text, '|' order by k.namespace, k.id)), '')
            from pgrag.kv_entries k where k.tenant_id = $1),
         (select count(*) || ':' ||
                 coalesce(md5(string_agg(v::text, '|' order by v.namespace, v.id)), '')
            from pgrag.namespace_vectors v where v.tenant_id = $1)) as fingerprint`,
      [tenantId],
    );
    return row.fingerprint;
  });
}
