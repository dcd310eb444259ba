import { describe, expect, it } from "vitest";
import { createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";

const noDatabase = () => Promise.reject(new Error("this test does not use the database"));
const appWith = (origins?: string) =>
  createApp({
    config: parseConfig(origins === undefined ? {} : { PGRAG_CORS_ORIGINS: origins }),
    database: noDatabase,
  });

// /openapi.json needs no database and no credentials: a simple cross-origin GET.
const simple = (app: ReturnType<typeof appWith>, origin: string) =>
  app.request("/rag/v1/openapi.json", { headers: { Origin: origin } });

const preflight = (app: ReturnType<typeof appWith>, origin: string) =>
  app.request("/rag/v1/search", {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type, x-api-key",
    },
  });

describe("CORS (PGRAG_CORS_ORIGINS)", () => {
  it("allows every origin by default (`*`), exposing the request id, timing and Retry-After", async () => {
    const response = await simple(appWith(), "https://app.example");
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const exposed = response.headers.get("access-control-expose-headers")?.toLowerCase() ?? "";
    for (const header of ["x-request-id", "server-timing", "retry-after"]) {
      expect(exposed.split(/,\s*/)).toContain(header);
    }
  });

  it("answers a preflight for `*` with the methods and headers a client sends", async () => {
    const response = await preflight(appWith("*"), "https://app.example");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = response.headers.get("access-control-allow-headers")?.toLowerCase() ?? "";
    expect(allowed).toContain("x-api-key");
    expect(allowed).toContain("content-type");
  });

  it("allows each origin of a list, echoed with Vary: Origin, and no other", async () => {
    const app = appWith("https://a.example, https://b.example");
    for (const origin of ["https://a.example", "https://b.example"]) {
      const response = await simple(app, origin);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(response.headers.get("vary")?.toLowerCase()).toContain("origin");
    }
    const other = await simple(app, "https://evil.example");
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight from a listed origin and gives none to an unlisted one", async () => {
    const app = appWith("https://a.example");
    const listed = await preflight(app, "https://a.example");
    expect(listed.status).toBe(204);
    expect(listed.headers.get("access-control-allow-origin")).toBe("https://a.example");
    const unlisted = await preflight(app, "https://evil.example");
    expect(unlisted.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets a browser read refusals too (a problem document carries the CORS headers)", async () => {
    const response = await appWith().request("/rag/v1/search", {
      method: "POST",
      headers: { Origin: "https://app.example", "Content-Type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
  });
});
