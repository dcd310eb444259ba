import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Schema } from "../../clients/typescript/mod.ts";
import { openTestApi, type TestApi } from "../support/api.ts";

// These tests are also a compile check of the generated types (deno check runs over tests/):
// a metadata filter, a null in an aligned batch answer, and fields left to their defaults.
describe("the typed client (clients/typescript)", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api?.close());

  it("stores documents and finds them through a metadata filter", async () => {
    const document = (id: string, content: string, lang: string) => ({
      id,
      content,
      chunks: [{ content, metadata: { lang } }],
    });
    const documents: Schema<"UpsertDocuments">["documents"] = [
      document("en-1", "Gene therapy restores vision in mice.", "en"),
      document("fr-1", "Gene therapy: la vision restaurée.", "fr"),
    ];
    // No `chunk_index`, `top_k` or `mode`: fields with defaults stay optional in request types.
    const stored = await api.client.POST("/documents", { body: { documents } });
    expect(stored.error).toBeUndefined();
    expect(stored.response.status).toBe(200);

    const found = await api.client.POST("/search", {
      body: { query: "vision", filter: { metadata: { lang: "en" } } },
    });
    expect(found.error).toBeUndefined();
    const results = found.data?.results ?? [];
    expect(results.map((result) => result.document_id)).toEqual(["en-1"]);
    const lang: unknown = results[0].metadata.lang;
    expect(lang).toBe("en");
  });

  it("types a miss in an aligned batch answer as null", async () => {
    const { data } = await api.client.POST("/documents/get", { body: { ids: ["en-1", "none"] } });
    const titles = data?.items.map((document) => document === null ? null : document.id);
    expect(titles).toEqual(["en-1", null]);
  });

  it("hands back refusals as typed problem documents", async () => {
    const { error, response } = await api.client.POST("/documents/get", { body: { ids: [] } });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(error?.code).toBe("validation_failed");
  });

  it("reads the health of the service without credentials", async () => {
    const { data } = await api.client.GET("/health");
    expect(data?.db).toBe("ok");
  });
});
