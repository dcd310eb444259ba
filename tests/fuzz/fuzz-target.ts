import type { Hono } from "hono";
import type { AppEnv } from "../../shared/app-env.ts";
import { BASE_PATH, createApp } from "../../shared/app.ts";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { parseConfig } from "../../shared/config.ts";
import { openTestApi, type TestApi } from "../support/api.ts";
import { TEST_EMBEDDING_DIM } from "../support/database.ts";
import { ROUTE_FIXTURE, seedFixture } from "../support/route-fixture.ts";
import { storeFingerprint } from "./fingerprint.ts";
import type { Operation } from "./operations.ts";
import type { Credentials, FuzzRequest } from "./requests.ts";
import type { Outcome } from "./response-checks.ts";
import type { Sampler } from "./schema-arbitrary.ts";
import { awkwardTokens, forgedTokens, JWT_SECRET } from "./tokens.ts";

const ADMIN_KEY = "the-operators-admin-key-for-the-fuzz-suite-0123";
const FIXTURE_MARKER = "fuzz";

/** The app on an embedded database, with a seeded tenant to aim at and the keys to reach it. */
export interface FuzzTarget {
  credentials: Credentials;
  bodyLimit: number;
  samplerFor(op: Operation): Sampler["hints"];
  send(request: FuzzRequest): Promise<Outcome>;
  fingerprint(): Promise<string>;
  /**
   * After a success: stores the fixture again if the write deleted part of it, and empties the
   * tenant first once successes have piled up more than a little data, which every later
   * fingerprint would otherwise read through.
   */
  restoreFixture(): Promise<void>;
  close(): Promise<void>;
}

export async function openFuzzTarget(): Promise<FuzzTarget> {
  // No retries: a fuzzed request that fails in the database should show at once, not 10 s later.
  const env = {
    PGRAG_ADMIN_KEY: ADMIN_KEY,
    PGRAG_JWT_SECRET: JWT_SECRET,
    PGRAG_DB_RETRY_BUDGET_MS: "0",
  };
  const api = await openTestApi(env);
  const config = parseConfig({ PGRAG_EMBEDDING_DIM: String(TEST_EMBEDDING_DIM), ...env });
  // The test API's own app only sends JSON it can encode; this one gets raw bytes and headers.
  const app: Hono<AppEnv> = createApp({ config, database: () => Promise.resolve(api.test.db) });
  await seedFixture(api, FIXTURE_MARKER);
  // The admin operations aim at another tenant, so that suspending it or revoking its keys
  // leaves the fuzzed tenant's credentials working.
  const other = await api.addTenant();
  const otherKeyIds = await keyIdsOf(api, other.tenantId);
  return {
    credentials: {
      tenant: api.keys,
      admin: ADMIN_KEY,
      unknownKey: (await issueApiKey()).key,
      tokens: await awkwardTokens(api.tenantId),
      forgedTokens: await forgedTokens(api.tenantId),
    },
    bodyLimit: config.bodyLimitBytes,
    samplerFor: (op) => hintsFor(op, other.tenantId, otherKeyIds),
    async send(request) {
      // Counted, not looked up by request id: a client may choose its own X-Request-Id.
      const before = await auditRowsOf(api);
      const response = await app.request(`${BASE_PATH}${request.url}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      const text = await response.text();
      const after = before < 0 ? -1 : await auditRowsOf(api);
      return {
        status: response.status,
        contentType: response.headers.get("content-type") ?? "",
        text,
        auditRows: after < 0 ? -1 : after - before,
      };
    },
    fingerprint: () => storeFingerprint(api.test.db, api.tenantId),
    async restoreFixture() {
      const { whole, bytes } = await fixtureState(api);
      if (bytes > MAX_STORED_BYTES) await emptyTenant(api);
      if (!whole || bytes > MAX_STORED_BYTES) await seedFixture(api, FIXTURE_MARKER);
    },
    close: () => api.close(),
  };
}

/** Values that make generated requests hit stored rows, by property or parameter name. */
function hintsFor(op: Operation, tenantId: string, keyIds: string[]): Sampler["hints"] {
  const f = ROUTE_FIXTURE;
  const [source, target] = f.relation;
  if (op.security === "admin") return { id: [tenantId, ...keyIds] };
  return {
    id: [f.documentId, f.chunkId],
    document_id: [f.documentId],
    chunk_id: [f.chunkId],
    ids: [[f.documentId], [f.chunkId]],
    document_ids: [[f.documentId]],
    source_chunk_ids: [[f.chunkId]],
    embedding: [f.chunkEmbedding, f.entityEmbedding, f.relationEmbedding],
    key: [f.cacheKey],
    keys: [[f.cacheKey]],
    cache_type: [f.cacheType],
    query: [f.keyword],
    name: [source, target],
    names: [[source, target]],
    label: [source, "*"],
    source: [source],
    target: [target],
    pairs: [[[source, target]]],
  };
}

/** The fuzzed tenant's audit rows; -1 when the database no longer answers. */
async function auditRowsOf(api: TestApi): Promise<number> {
  const [row] = await api.test.db.transaction((tx) =>
    tx.query<{ rows: number }>(
      "select count(*)::int as rows from pgrag.audit_logs where tenant_id = $1",
      [api.tenantId],
    )
  ).catch(() => [{ rows: -1 }]);
  return row.rows;
}

async function keyIdsOf(api: TestApi, tenantId: string): Promise<string[]> {
  const rows = await api.test.db.transaction((tx) =>
    tx.query<{ id: string }>("select id from pgrag.api_keys where tenant_id = $1", [tenantId])
  );
  return rows.map((row) => row.id);
}

/** Past this much stored text the tenant is emptied and seeded again. */
const MAX_STORED_BYTES = 256 * 1024;

async function fixtureState(api: TestApi): Promise<{ whole: boolean; bytes: number }> {
  const f = ROUTE_FIXTURE;
  const [row] = await api.test.db.transaction((tx) =>
    tx.query<{ whole: boolean; bytes: number }>(
      `select exists (select from pgrag.documents where tenant_id = $1 and id = $2)
          and exists (select from pgrag.chunks where tenant_id = $1 and id = $3
                        and embedding is not null)
          and exists (select from pgrag.llm_cache where tenant_id = $1 and key = $4)
          -- The fixture's own relation: other successful writes leave relations of their own.
          and exists (select from pgrag.relations r
                        join pgrag.entities s on s.tenant_id = r.tenant_id and s.id = r.source_id
                        join pgrag.entities t on t.tenant_id = r.tenant_id and t.id = r.target_id
                       where r.tenant_id = $1 and s.name in ($5, $6) and t.name in ($5, $6))
          as whole,
          (select coalesce(sum(pg_column_size(d)), 0) from pgrag.documents d
            where d.tenant_id = $1)::float8
          + (select coalesce(sum(pg_column_size(c)), 0) from pgrag.chunks c
              where c.tenant_id = $1)::float8
          + (select coalesce(sum(pg_column_size(e)), 0) from pgrag.llm_cache e
              where e.tenant_id = $1)::float8
          + (select coalesce(sum(pg_column_size(g)), 0) from pgrag.entities g
              where g.tenant_id = $1)::float8 as bytes`,
      [api.tenantId, f.documentId, f.chunkId, f.cacheKey, ...f.relation],
    )
  );
  return row;
}

/** Deletes what the tenant stores (chunks and relations go with their rows), not its keys. */
async function emptyTenant(api: TestApi): Promise<void> {
  await api.test.db.transaction(async (tx) => {
    for (const table of ["documents", "llm_cache", "entities", "cost_tracking"]) {
      await tx.query(`delete from pgrag.${table} where tenant_id = $1`, [api.tenantId]);
    }
  });
}
