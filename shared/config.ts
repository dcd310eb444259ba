import { z } from "zod";
import type { DriverName } from "./db/database.ts";
import { type DatabaseLimits, DEFAULT_LIMITS } from "./db/resilient.ts";
import { parseCidr } from "./http/client-address.ts";

const MIB = 1024 * 1024;
export const EMBEDDING_PROVIDERS = ["none", "openai", "supabase", "local"] as const;
/** The deepest free-form JSON that may be configured: far below any stack a read path uses. */
const MAX_JSON_DEPTH = 128;

const flag = z.enum(["true", "false", "1", "0", "on", "off"]).transform((value) =>
  ["true", "1", "on"].includes(value)
);

const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const nonNegativeInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(0).max(max).default(fallback);

// PostgreSQL's timeouts are 32-bit integers of milliseconds.
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Every environment variable pgrag reads, with its default. The README lists the same. */
const EnvSchema = z.object({
  PORT: positiveInt(8000, 65535),
  DATABASE_URL: z.string().url().optional(),
  PGRAG_DRIVER: z.enum(["postgres", "neon"]).default("postgres"),
  PGRAG_DATA_DIR: z.string().min(1).default("./.pgrag/data"),
  PGRAG_PUBLIC_URL: z.string().url().optional(),
  PGRAG_STATIC_DIR: z.string().min(1).optional(),
  PGRAG_EMBEDDING_DIM: positiveInt(1536, 4000),
  PGRAG_MIGRATE_ON_START: flag.optional(),
  PGRAG_DB_MAX_CONNECTIONS: positiveInt(5, 100),
  PGRAG_DB_IDLE_TIMEOUT: positiveInt(20),
  PGRAG_DB_CONNECT_TIMEOUT: positiveInt(5, 120),
  PGRAG_DB_PREPARE: flag.default(false),
  PGRAG_HEALTH_TIMEOUT_MS: positiveInt(DEFAULT_LIMITS.pingTimeoutMs),
  PGRAG_REQUEST_TIMEOUT_MS: positiveInt(DEFAULT_LIMITS.timeoutMs, MAX_TIMEOUT_MS),
  PGRAG_STATEMENT_TIMEOUT_MS: positiveInt(DEFAULT_LIMITS.statementTimeoutMs, MAX_TIMEOUT_MS),
  PGRAG_LOCK_TIMEOUT_MS: positiveInt(DEFAULT_LIMITS.lockTimeoutMs, MAX_TIMEOUT_MS),
  PGRAG_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt(
    DEFAULT_LIMITS.idleInTransactionTimeoutMs,
    MAX_TIMEOUT_MS,
  ),
  PGRAG_DB_QUEUE_SIZE: nonNegativeInt(DEFAULT_LIMITS.queueLimit, 100_000),
  PGRAG_DB_QUEUE_TIMEOUT_MS: positiveInt(DEFAULT_LIMITS.queueTimeoutMs, MAX_TIMEOUT_MS),
  PGRAG_DB_RETRY_BUDGET_MS: nonNegativeInt(DEFAULT_LIMITS.retryBudgetMs, MAX_TIMEOUT_MS),
  PGRAG_NEON_HTTP: flag.default(true),
  PGRAG_NEON_WS_PROXY: z.string().min(1).optional(),
  PGRAG_NEON_HTTP_ENDPOINT: z.string().url().optional(),
  PGRAG_BODY_LIMIT: positiveInt(8 * MIB),
  PGRAG_BODY_TIMEOUT_MS: positiveInt(10_000, MAX_TIMEOUT_MS),
  PGRAG_TRUSTED_PROXIES: z.string().default("").transform((value, ctx) => {
    const cidrs = commaList(value) ?? [];
    for (const cidr of cidrs) {
      if (!parseCidr(cidr)) ctx.addIssue({ code: "custom", message: `not a CIDR: ${cidr}` });
    }
    return cidrs;
  }),
  PGRAG_MAX_BATCH_ITEMS: positiveInt(1000, 100_000),
  PGRAG_MAX_TEXT_BYTES: positiveInt(MIB),
  PGRAG_MAX_METADATA_BYTES: positiveInt(64 * 1024),
  // Deeper than this, some read path could no longer serialize what was stored.
  PGRAG_MAX_JSON_DEPTH: positiveInt(32, MAX_JSON_DEPTH),
  PGRAG_MAX_JSON_KEYS: positiveInt(1000, 100_000),
  PGRAG_MAX_QUERY_WORDS: positiveInt(1000, 100_000),
  PGRAG_CORS_ORIGINS: z.string().default("*"),
  // DNS-rebinding protection of the MCP endpoint: loopback names unless the deployment names its
  // own host (Supabase: `<ref>.supabase.co`); `*` turns the Host check off.
  PGRAG_MCP_ALLOWED_HOSTS: z.string().default("localhost,127.0.0.1,[::1]"),
  PGRAG_MCP_ALLOWED_ORIGINS: z.string().optional(),
  PGRAG_ADMIN_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  PGRAG_JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  // Deno's fetch also reads file: URLs, so the scheme is checked and not only the shape.
  PGRAG_JWKS_URL: z.string().url().regex(/^https?:\/\//i, "must be an http(s) URL").optional(),
  PGRAG_JWT_ISSUER: z.string().optional(),
  PGRAG_JWT_AUDIENCE: z.string().optional(),
  PGRAG_JWKS_TIMEOUT_MS: positiveInt(3_000, 60_000),
  PGRAG_MAINTENANCE_INTERVAL: positiveInt(300, 86_400),
  PGRAG_EMBEDDING_PROVIDER: z.enum(EMBEDDING_PROVIDERS).default("none"),
  PGRAG_EMBEDDING_URL: z.string().url().regex(/^https?:\/\//i, "must be an http(s) URL")
    .optional(),
  PGRAG_EMBEDDING_API_KEY: z.string().optional(),
  PGRAG_EMBEDDING_MODEL: z.string().min(1).optional(),
  PGRAG_EMBEDDING_DIMENSIONS: z.coerce.number().int().min(1).max(4000).optional(),
  PGRAG_EMBEDDING_BATCH_SIZE: positiveInt(96, 2048),
  PGRAG_EMBEDDING_TOKENS_PER_CALL: positiveInt(8000, 1_000_000),
  PGRAG_EMBEDDING_TIMEOUT_MS: positiveInt(30_000, MAX_TIMEOUT_MS),
  PGRAG_EMBEDDING_ATTEMPTS: positiveInt(4, 20),
  PGRAG_EMBEDDING_USD_PER_MILLION_TOKENS: z.coerce.number().min(0).max(1_000_000).default(0),
  PGRAG_EMBEDDING_WORKERS: nonNegativeInt(1, 64),
  PGRAG_EMBEDDING_CLAIM_SIZE: positiveInt(64, 2048),
  PGRAG_EMBEDDING_LEASE_SECONDS: positiveInt(120, 86_400),
  PGRAG_EMBEDDING_JOB_ATTEMPTS: positiveInt(5, 100),
  PGRAG_EMBEDDING_POLL_MS: positiveInt(5_000, MAX_TIMEOUT_MS),
  PGRAG_EMBEDDING_QUERY_CACHE: nonNegativeInt(1_000, 1_000_000),
});

export interface Config {
  port: number;
  driver: DriverName;
  databaseUrl?: string;
  /** PGlite's data folder (embedded mode only); `memory://` keeps nothing. */
  dataDir: string;
  /** The API's public base URL (`https://<ref>.supabase.co/functions/v1/rag/v1`), if set. */
  publicUrl: string | undefined;
  /** The deployed copy of the static files (`deno task assets`), when not beside the entrypoint. */
  staticDir: string | undefined;
  embeddingDim: number;
  /** Apply pending migrations when the database is first opened. */
  migrateOnStart: boolean;
  maxConnections: number;
  idleTimeoutSeconds: number;
  connectTimeoutSeconds: number;
  /** postgres.js: named prepared statements (direct connections, PgBouncer >= 1.21). */
  prepareStatements: boolean;
  healthTimeoutMs: number;
  /**
   * Deadlines and load: the request deadline (`timeoutMs`), each transaction's PostgreSQL
   * timeouts, the queue in front of the pool and the retry budget, all in milliseconds.
   */
  databaseLimits: DatabaseLimits;
  neonUseHttp: boolean;
  neonWsProxy?: string;
  neonHttpEndpoint?: string;
  bodyLimitBytes: number;
  /** How long a request's body may take to arrive once the server starts reading it. */
  bodyTimeoutMs: number;
  /**
   * The peers (CIDRs) whose X-Forwarded-For names the client; from anyone else the socket's
   * peer is the client.
   */
  trustedProxies: string[];
  corsOrigins: string[];
  /** The MCP endpoint's DNS-rebinding guard (see shared/mcp/host-guard.ts). */
  mcp: { allowedHosts: string[]; allowedOrigins: string[] };
  /** The bearer secret of the admin API; the admin API is closed without it. */
  adminKey?: string;
  jwt: JwtConfig;
  /** Embedded mode: seconds between in-process maintenance runs (statistics, partitions). */
  maintenanceIntervalSeconds: number;
  limits: Limits;
  embedding: EmbeddingConfig;
}

/**
 * Where embeddings come from when clients send text alone (shared/embedding/), and how the
 * queue of chunks waiting for them is worked.
 */
export interface EmbeddingConfig {
  provider: (typeof EMBEDDING_PROVIDERS)[number];
  /** openai: the API's base URL, e.g. `https://api.openai.com/v1`. */
  url?: string;
  apiKey?: string;
  model?: string;
  /** openai: sent as `dimensions` (models that can shorten their vectors); else not sent. */
  dimensions?: number;
  /** Inputs and tokens in one provider call. */
  batchSize: number;
  tokensPerCall: number;
  /** One provider call's timeout, and the attempts one batch gets before it is given up. */
  timeoutMs: number;
  attempts: number;
  /** What the usage ledger records as the cost of a million input tokens. */
  usdPerMillionTokens: number;
  /** In-process queue workers (0: none; a scheduler calls POST /admin/embeddings/drain). */
  workers: number;
  /** Queue entries one claim takes, and how long a claim holds them. */
  claimSize: number;
  leaseSeconds: number;
  /** Claims of one chunk (each after its provider's own retries) before its document fails. */
  jobAttempts: number;
  /** How often an idle worker looks for work written by other processes. */
  pollMs: number;
  /** Query embeddings remembered per process (0: none). */
  queryCacheSize: number;
}

/** Bearer JWTs: accepted only when a secret (HS256) or a JWKS URL (ES256, RS256) is set. */
export interface JwtConfig {
  secret?: string;
  jwksUrl?: string;
  /** Checked against `iss` when set. */
  issuer?: string;
  /** `aud` must name one of these when set. */
  audience?: string[];
  jwksTimeoutMs: number;
}

/** Per-request limits on what clients send (the body limit aside). */
export interface Limits {
  /** Items in any batch: documents, chunks, ids, embeddings. */
  batchItems: number;
  /** UTF-8 bytes of any one text field (content, prompt, response). */
  textBytes: number;
  /** Bytes of a metadata object serialized as JSON. */
  metadataBytes: number;
  /** Nesting of any free-form JSON object (metadata, properties, params, filters, settings). */
  jsonDepth: number;
  /** Keys in any free-form JSON object, counted over all its nested objects. */
  jsonKeys: number;
  /** Words of a search query, as PostgreSQL's text parser would split it. */
  queryWords: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads the configuration from environment variables; throws ConfigError naming each bad one. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      `${issue.path.join(".")}: ${issue.message}`
    );
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const driver: DriverName = e.DATABASE_URL ? e.PGRAG_DRIVER : "pglite";
  return {
    port: e.PORT,
    driver,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.PGRAG_DATA_DIR,
    publicUrl: e.PGRAG_PUBLIC_URL,
    staticDir: e.PGRAG_STATIC_DIR,
    embeddingDim: e.PGRAG_EMBEDDING_DIM,
    // The embedded database is private to this process, so it can migrate itself; a shared
    // server is migrated once, by `deno task db:migrate`, not by every isolate that starts.
    migrateOnStart: e.PGRAG_MIGRATE_ON_START ?? driver === "pglite",
    maxConnections: e.PGRAG_DB_MAX_CONNECTIONS,
    idleTimeoutSeconds: e.PGRAG_DB_IDLE_TIMEOUT,
    connectTimeoutSeconds: e.PGRAG_DB_CONNECT_TIMEOUT,
    prepareStatements: e.PGRAG_DB_PREPARE,
    healthTimeoutMs: e.PGRAG_HEALTH_TIMEOUT_MS,
    databaseLimits: {
      timeoutMs: e.PGRAG_REQUEST_TIMEOUT_MS,
      statementTimeoutMs: e.PGRAG_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: e.PGRAG_LOCK_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.PGRAG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      queueLimit: e.PGRAG_DB_QUEUE_SIZE,
      queueTimeoutMs: e.PGRAG_DB_QUEUE_TIMEOUT_MS,
      retryBudgetMs: e.PGRAG_DB_RETRY_BUDGET_MS,
      pingTimeoutMs: e.PGRAG_HEALTH_TIMEOUT_MS,
    },
    neonUseHttp: e.PGRAG_NEON_HTTP,
    neonWsProxy: e.PGRAG_NEON_WS_PROXY,
    neonHttpEndpoint: e.PGRAG_NEON_HTTP_ENDPOINT,
    bodyLimitBytes: e.PGRAG_BODY_LIMIT,
    bodyTimeoutMs: e.PGRAG_BODY_TIMEOUT_MS,
    trustedProxies: e.PGRAG_TRUSTED_PROXIES,
    corsOrigins: e.PGRAG_CORS_ORIGINS.split(",").map((origin) => origin.trim()).filter(Boolean),
    mcp: {
      allowedHosts: commaList(e.PGRAG_MCP_ALLOWED_HOSTS) ?? [],
      allowedOrigins: commaList(e.PGRAG_MCP_ALLOWED_ORIGINS) ?? [],
    },
    adminKey: e.PGRAG_ADMIN_KEY,
    maintenanceIntervalSeconds: e.PGRAG_MAINTENANCE_INTERVAL,
    jwt: {
      secret: e.PGRAG_JWT_SECRET,
      jwksUrl: e.PGRAG_JWKS_URL,
      issuer: e.PGRAG_JWT_ISSUER,
      audience: commaList(e.PGRAG_JWT_AUDIENCE),
      jwksTimeoutMs: e.PGRAG_JWKS_TIMEOUT_MS,
    },
    limits: {
      batchItems: e.PGRAG_MAX_BATCH_ITEMS,
      textBytes: e.PGRAG_MAX_TEXT_BYTES,
      metadataBytes: e.PGRAG_MAX_METADATA_BYTES,
      jsonDepth: e.PGRAG_MAX_JSON_DEPTH,
      jsonKeys: e.PGRAG_MAX_JSON_KEYS,
      queryWords: e.PGRAG_MAX_QUERY_WORDS,
    },
    embedding: {
      provider: e.PGRAG_EMBEDDING_PROVIDER,
      url: e.PGRAG_EMBEDDING_URL,
      apiKey: e.PGRAG_EMBEDDING_API_KEY,
      model: e.PGRAG_EMBEDDING_MODEL,
      dimensions: e.PGRAG_EMBEDDING_DIMENSIONS,
      batchSize: e.PGRAG_EMBEDDING_BATCH_SIZE,
      tokensPerCall: e.PGRAG_EMBEDDING_TOKENS_PER_CALL,
      timeoutMs: e.PGRAG_EMBEDDING_TIMEOUT_MS,
      attempts: e.PGRAG_EMBEDDING_ATTEMPTS,
      usdPerMillionTokens: e.PGRAG_EMBEDDING_USD_PER_MILLION_TOKENS,
      workers: e.PGRAG_EMBEDDING_WORKERS,
      claimSize: e.PGRAG_EMBEDDING_CLAIM_SIZE,
      leaseSeconds: e.PGRAG_EMBEDDING_LEASE_SECONDS,
      jobAttempts: e.PGRAG_EMBEDDING_JOB_ATTEMPTS,
      pollMs: e.PGRAG_EMBEDDING_POLL_MS,
      queryCacheSize: e.PGRAG_EMBEDDING_QUERY_CACHE,
    },
  };
}

/** `a, b,` → `["a", "b"]`; a list naming nothing counts as unset, like an empty variable. */
function commaList(value: string | undefined): string[] | undefined {
  const items = value?.split(",").map((item) => item.trim()).filter(Boolean) ?? [];
  return items.length > 0 ? items : undefined;
}
