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
