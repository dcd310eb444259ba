import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../shared/config.ts";
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
  it("accepts only a canonical UUID as tenant", () => {
    const tenant = "6f1c1c4e-2b8a-4c1e-9a57-0c6b1d2e3f40";
    expect(beginScopeScript({ role: "api", tenantId: tenant })).toContain(`'${tenant}'`);
    expect(beginScopeScript({ role: "api", tenantId: null })).toContain("'pgrag.tenant_id', ''");
    expect(() => beginScopeScript({ role: "api", tenantId: "x', true); drop table t; --" }))
      .toThrow(TypeError);
  });
});
