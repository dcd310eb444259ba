import { OpenAPIHono } from "@hono/zod-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";
import { DatabaseError, DatabaseUnavailableError } from "../../shared/db/errors.ts";
import { handleError } from "../../shared/http/on-error.ts";
import { validationHook } from "../../shared/http/validation.ts";

const noDatabase = () => Promise.reject(new Error("this test does not use the database"));
const ADMIN_KEY = "unit-test-admin-key-of-at-least-32-chars";
const app = createApp({
  config: parseConfig({ PGRAG_BODY_LIMIT: "1024", PGRAG_ADMIN_KEY: ADMIN_KEY }),
  database: noDatabase,
});

// A body is read only on a route, once its credentials passed: the admin key is checked without
// the database, so the body's own problems are answered before any database is needed.
const post = (contentType: string, body: string) =>
  app.request("/rag/v1/admin/tenants", {
    method: "POST",
    headers: { "Content-Type": contentType, Authorization: `Bearer ${ADMIN_KEY}` },
    body,
  });

async function problem(response: Response) {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return await response.json();
}

describe("the HTTP basics", () => {
  it("answers unknown routes with a not_found problem carrying the request id", async () => {
    const response = await app.request("/rag/v1/nothing-here");
    expect(response.status).toBe(404);
    const body = await problem(response);
    expect(body).toEqual({
      type: "urn:pgrag:problem:not_found",
      title: "Not found",
      status: 404,
      detail: "no such route",
      code: "not_found",
      request_id: response.headers.get("x-request-id"),
    });
  });

  it("echoes a sane X-Request-Id and replaces an unsafe one", async () => {
    const echoed = await app.request("/rag/v1/x", { headers: { "X-Request-Id": "abc-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("abc-123");
    expect((await problem(echoed)).request_id).toBe("abc-123");
    const unsafe = await app.request("/rag/v1/x", { headers: { "X-Request-Id": "a b<script>" } });
    expect(unsafe.headers.get("x-request-id")).not.toBe("a b<script>");
  });

  it("answers malformed JSON with invalid_json", async () => {
    const response = await post("application/json", '{"documents": [');
    expect(response.status).toBe(400);
    expect(await problem(response)).toMatchObject({ code: "invalid_json" });
  });

  it("answers a non-JSON body with unsupported_media_type", async () => {
    const response = await post("text/plain", "hello");
    expect(response.status).toBe(415);
    expect(await problem(response)).toMatchObject({ code: "unsupported_media_type" });
  });

  it("lets a POST without a body through to its route (an empty stream, no headers)", async () => {
    const empty = new ReadableStream({ start: (controller) => controller.close() });
    const response = await app.request("/rag/v1/anything", { method: "POST", body: empty });
    expect(response.status).toBe(404);
    expect(await problem(response)).toMatchObject({ code: "not_found" });
  });

  it("answers an oversize body with payload_too_large", async () => {
    const response = await post("application/json", JSON.stringify({ text: "x".repeat(2048) }));
    expect(response.status).toBe(413);
    expect(await problem(response)).toMatchObject({ code: "payload_too_large" });
  });

  it("sets secure headers and Server-Timing on every response", async () => {
    const response = await app.request("/rag/v1/openapi.json");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("strict-transport-security")).toContain("max-age=");
    expect(response.headers.get("server-timing")).toMatch(/db;dur=0.*total;dur=/);
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas, and the docs page", async () => {
    const response = await app.request("/rag/v1/openapi.json");
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: "." }]);
    expect(Object.keys(document.paths)).toContain("/health");
    expect(document.components.schemas.Health.required).toEqual([
      "status",
      "db",
      "version",
      "load",
    ]);
    const docs = await app.request("/rag/v1/docs");
    expect(docs.status).toBe(200);
    const html = await docs.text();
    // Relative URLs only, and no script inline: the page works under any prefix and a strict CSP.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script>/);
    expect(docs.headers.get("content-security-policy")).toContain("script-src 'self'");
    const script = html.match(/<script src="(docs\/assets\/[^"]+\/swagger-ui-bundle\.js)"/)?.[1];
    const asset = await app.request(`/rag/v1/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});

describe("handleError()", () => {
  const throwing = (error: unknown) => {
    const app = new OpenAPIHono();
    app.get("/boom", () => {
      throw error;
    });
    app.onError(handleError);
    return app.request("/boom");
  };

  it("maps a check violation to validation_failed without leaking the server's message", async () => {
    const response = await throwing(
      new DatabaseError(
        "23514",
        'new row for relation "documents" violates ...',
        "documents_content_check",
      ),
    );
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body).toMatchObject({
      code: "validation_failed",
      detail: "the request violates documents_content_check",
    });
    expect(body.detail).not.toContain("relation");
  });

  it("maps an unreachable database to 503 unavailable with Retry-After", async () => {
    const response = await throwing(new DatabaseUnavailableError("connect ECONNREFUSED"));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await problem(response)).toMatchObject({ code: "unavailable" });
  });

  it("maps an unexpected error to 500 internal with no internals in the body", async () => {
    const response = await throwing(new Error("secret internal detail"));
    expect(response.status).toBe(500);
    const body = await problem(response);
    expect(body).toMatchObject({ code: "internal", detail: "an internal error occurred" });
    expect(JSON.stringify(body)).not.toContain("secret");
  });

  it("maps an unknown server SQLSTATE to 500 internal", async () => {
    const response = await throwing(new DatabaseError("XX000", "internal error"));
    expect(response.status).toBe(500);
  });
});

describe("validationHook", () => {
  it("lists each offending field with its path", async () => {
    const app = new OpenAPIHono({ defaultHook: validationHook });
    app.openapi(
      createRoute({
        method: "post",
        path: "/items",
        request: {
          body: {
            content: {
              "application/json": {
                schema: z.object({ items: z.array(z.object({ content: z.string().min(1) })) }),
              },
            },
          },
        },
        responses: { 200: { description: "ok" } },
      }),
      (c) => c.body(null, 200),
    );
    app.onError(handleError);
    const response = await app.request("/items", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: [{ content: "ok" }, { content: "" }] }),
    });
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("validation_failed");
    expect(body.errors).toEqual([{ path: "items[1].content", message: expect.any(String) }]);
  });
});
