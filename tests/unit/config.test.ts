import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../shared/config.ts";
import { DEFAULT_LIMITS } from "../../shared/db/resilient.ts";
import { beginScopeScript } from "../../shared/db/scope.ts";

describe("parseConfig()", () => {
  it("defaults to the embedded database with migrations on start", () => {
    expect(parseConfig({})).toMatchObject({
      driver: "pglite",
      dataDir: "./.pgrag/data",
      migrateOnStart: true,
      embeddingDim: 1536,
      port: 8000,
      bodyLimitBytes: 8 * 1024 * 1024,
    });
  });

  it("chooses postgres.js for DATABASE_URL and Neon when asked, without migrating on start", () => {
    const url = "postgres://u:p@db.example:6543/postgres";
    expect(parseConfig({ DATABASE_URL: url })).toMatchObject({
      driver: "postgres",
      databaseUrl: url,
      migrateOnStart: false,
    });
    expect(parseConfig({ DATABASE_URL: url, PGRAG_DRIVER: "neon", PGRAG_NEON_HTTP: "off" }))
      .toMatchObject({ driver: "neon", neonUseHttp: false });
  });

  it("treats empty variables as unset", () => {
    expect(parseConfig({ DATABASE_URL: "", PORT: "" })).toMatchObject({
      driver: "pglite",
      port: 8000,
    });
  });

  it("names every bad variable", () => {
    expect(() => parseConfig({ PGRAG_EMBEDDING_DIM: "5000", PORT: "http" })).toThrow(ConfigError);
    expect(() => parseConfig({ PGRAG_EMBEDDING_DIM: "5000", PORT: "http" })).toThrow(
      /PORT.*PGRAG_EMBEDDING_DIM|PGRAG_EMBEDDING_DIM.*PORT/,
    );
  });

  it("leaves JWTs off by default and reads their settings", () => {
    expect(parseConfig({}).jwt).toEqual({ jwksTimeoutMs: 3000 });
    const jwksUrl = "https://project.supabase.co/auth/v1/.well-known/jwks.json";
    expect(
      parseConfig({
        PGRAG_JWT_SECRET: "s".repeat(32),
        PGRAG_JWKS_URL: jwksUrl,
        PGRAG_JWT_ISSUER: "https://project.supabase.co/auth/v1",
        PGRAG_JWT_AUDIENCE: " authenticated, pgrag ,",
        PGRAG_JWKS_TIMEOUT_MS: "500",
      }).jwt,
    ).toEqual({
      secret: "s".repeat(32),
      jwksUrl,
      issuer: "https://project.supabase.co/auth/v1",
      audience: ["authenticated", "pgrag"],
      jwksTimeoutMs: 500,
    });
    expect(parseConfig({ PGRAG_JWT_AUDIENCE: " , " }).jwt.audience).toBeUndefined();
  });

  it("refuses a short JWT secret, a JWKS URL that is not http(s) and a zero timeout", () => {
    expect(() => parseConfig({ PGRAG_JWT_SECRET: "s".repeat(31) })).toThrow(/PGRAG_JWT_SECRET/);
    expect(() => parseConfig({ PGRAG_JWKS_URL: "jwks.json" })).toThrow(/PGRAG_JWKS_URL/);
    expect(() => parseConfig({ PGRAG_JWKS_URL: "file:///etc/jwks.json" })).toThrow(
      /PGRAG_JWKS_URL/,
    );
    expect(() => parseConfig({ PGRAG_JWKS_TIMEOUT_MS: "0" })).toThrow(/PGRAG_JWKS_TIMEOUT_MS/);
  });
});

describe("beginScopeScript()", () => {
  const limits = { statementTimeoutMs: 1500, lockTimeoutMs: 700, idleInTransactionTimeoutMs: 900 };

  it("accepts only a canonical UUID as tenant", () => {
    const tenant = "6f1c1c4e-2b8a-4c1e-9a57-0c6b1d2e3f40";
    expect(beginScopeScript({ role: "api", tenantId: tenant }, limits)).toContain(`'${tenant}'`);
    expect(beginScopeScript({ role: "api", tenantId: null }, limits))
      .toContain("'pgrag.tenant_id', ''");
    expect(() => beginScopeScript({ role: "api", tenantId: "x', true); drop table t; --" }, limits))
      .toThrow(TypeError);
  });

  it("sets the transaction's timeouts in the same message, and only integer ones", () => {
    const script = beginScopeScript({ role: "admin" }, limits);
    expect(script).toMatch(/^begin; select /);
    expect(script).toContain("set_config('statement_timeout', '1500', true)");
    expect(script).toContain("set_config('lock_timeout', '700', true)");
    expect(script).toContain("set_config('idle_in_transaction_session_timeout', '900', true)");
    expect(() => beginScopeScript({ role: "admin" }, { ...limits, lockTimeoutMs: 1.5 }))
      .toThrow(TypeError);
  });
});

describe("parseConfig() limits", () => {
  it("bounds every wait by default, well under the edge platforms' limits", () => {
    const limits = parseConfig({}).databaseLimits;
    expect(limits).toEqual(DEFAULT_LIMITS);
    // Supabase's edge functions end a request idle for 150 s; the deadline stays far below.
    expect(limits.timeoutMs).toBeLessThanOrEqual(30_000);
    expect(limits.statementTimeoutMs).toBeLessThan(limits.timeoutMs);
    expect(limits.retryBudgetMs).toBeLessThan(limits.timeoutMs);
    expect(limits.queueTimeoutMs).toBeLessThan(limits.timeoutMs);
    expect(limits.lockTimeoutMs).toBeLessThan(limits.statementTimeoutMs);
    expect(limits.queueLimit).toBeGreaterThan(0);
  });

  it("reads each limit, allows no queue and no retries, refuses zero timeouts", () => {
    expect(
      parseConfig({
        PGRAG_REQUEST_TIMEOUT_MS: "8000",
        PGRAG_STATEMENT_TIMEOUT_MS: "6000",
        PGRAG_LOCK_TIMEOUT_MS: "1000",
        PGRAG_IDLE_IN_TRANSACTION_TIMEOUT_MS: "2000",
        PGRAG_DB_QUEUE_SIZE: "0",
        PGRAG_DB_QUEUE_TIMEOUT_MS: "250",
        PGRAG_DB_RETRY_BUDGET_MS: "0",
        PGRAG_HEALTH_TIMEOUT_MS: "500",
      }).databaseLimits,
    ).toEqual({
      timeoutMs: 8000,
      statementTimeoutMs: 6000,
      lockTimeoutMs: 1000,
      idleInTransactionTimeoutMs: 2000,
      queueLimit: 0,
      queueTimeoutMs: 250,
      retryBudgetMs: 0,
      pingTimeoutMs: 500,
    });
    expect(() => parseConfig({ PGRAG_STATEMENT_TIMEOUT_MS: "0" })).toThrow(
      /PGRAG_STATEMENT_TIMEOUT_MS/,
    );
    expect(() => parseConfig({ PGRAG_REQUEST_TIMEOUT_MS: "3000000000" })).toThrow(
      /PGRAG_REQUEST_TIMEOUT_MS/,
    );
  });
});
