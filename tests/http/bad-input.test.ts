import { Buffer } from "node:buffer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

const MIB = 1024 * 1024;
const doc = (extra: Record<string, unknown> = {}) => ({ id: "bad", content: "text", ...extra });
const chunk = (extra: Record<string, unknown> = {}) => ({
  id: "bad-chunk",
  document_id: "existing",
  content: "text",
  chunk_index: 0,
  ...extra,
});
const many = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
const withEmbedding = (embedding: unknown) => ({ chunks: [chunk({ embedding })] });

interface Case {
  name: string;
  method?: string;
  path: string;
  /** A value sent as JSON, or a string sent verbatim (for JSON that JSON.stringify can't write). */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** The path `errors` must name, when the problem is about one field. */
  field?: string;
}

/**
 * The bad-input list: every case must be answered with a 4xx problem that names what is wrong,
 * and must leave the tenant's data exactly as it was.
 */
const CASES: Case[] = [
  // Missing, extra and mistyped fields.
  {
    name: "missing content",
    path: "/documents",
    body: { documents: [{ id: "x" }] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].content",
  },
  {
    name: "missing documents",
    path: "/documents",
    body: {},
    status: 400,
    code: "validation_failed",
    field: "documents",
  },
  {
    name: "extra field",
    path: "/documents",
    body: { documents: [doc({ colour: "red" })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].colour",
  },
  {
    name: "extra top-level field",
    path: "/chunks",
    body: { chunks: [chunk()], upsert: true },
    status: 400,
    code: "validation_failed",
    field: "upsert",
  },
  {
    name: "content is a number",
    path: "/documents",
    body: { documents: [doc({ content: 42 })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].content",
  },
  {
    name: "ids is a string",
    path: "/documents/get",
    body: { ids: "bad" },
    status: 400,
    code: "validation_failed",
    field: "ids",
  },
  {
    name: "chunk_index is a string",
    path: "/chunks",
    body: { chunks: [chunk({ chunk_index: "1" })] },
    status: 400,
    code: "validation_failed",
    field: "chunks[0].chunk_index",
  },
  {
    name: "negative chunk_index",
    path: "/chunks",
    body: { chunks: [chunk({ chunk_index: -1 })] },
    status: 400,
    code: "validation_failed",
    field: "chunks[0].chunk_index",
  },
  {
    name: "metadata is an array",
    path: "/documents",
    body: { documents: [doc({ metadata: [1] })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].metadata",
  },
  {
    name: "unknown status",
    method: "PATCH",
    path: "/documents/existing/status",
    body: { status: "done" },
    status: 400,
    code: "validation_failed",
    field: "status",
  },
  // Empty strings.
  {
    name: "empty content",
    path: "/documents",
    body: { documents: [doc({ content: "" })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].content",
  },
  {
    name: "blank content",
    path: "/documents",
    body: { documents: [doc({ content: " \n\t " })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].content",
  },
  {
    name: "empty id",
    path: "/documents",
    body: { documents: [doc({ id: "" })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].id",
  },
  {
    name: "empty id list",
    path: "/chunks/delete",
    body: { ids: [] },
    status: 400,
    code: "validation_failed",
    field: "ids",
  },
  {
    name: "empty cache prompt",
    method: "PUT",
    path: "/cache/k",
    body: { cache_type: "t", prompt: "", response: "r" },
    status: 400,
    code: "validation_failed",
    field: "prompt",
  },
  // Too many items, too much text.
  {
    name: "1001 documents",
    path: "/documents",
    body: { documents: many(1001, (i) => doc({ id: `d${i}` })) },
    status: 400,
    code: "validation_failed",
    field: "documents",
  },
  {
    name: "1001 chunks",
    path: "/chunks",
    body: { chunks: many(1001, (i) => chunk({ id: `c${i}` })) },
    status: 400,
    code: "validation_failed",
    field: "chunks",
  },
  {
    name: "1001 chunks across documents",
    path: "/documents",
    body: {
      documents: many(
        2,
        (i) => doc({ id: `d${i}`, chunks: many(501, (k) => ({ content: `c${i}-${k}` })) }),
      ),
    },
    status: 400,
    code: "validation_failed",
    field: "documents",
  },
  {
    name: "1001 ids",
    path: "/documents/missing",
    body: { ids: many(1001, (i) => `id${i}`) },
    status: 400,
    code: "validation_failed",
    field: "ids",
  },
  {
    name: "1001 embeddings",
    method: "PUT",
    path: "/chunks/embeddings",
    body: { items: many(1001, (i) => ({ id: `c${i}`, embedding: [1, 0, 0] })) },
    status: 400,
    code: "validation_failed",
    field: "items",
  },
  {
    name: "256-character id",
    path: "/documents",
    body: { documents: [doc({ id: "x".repeat(256) })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].id",
  },
  {
    name: "content over 1 MiB",
    path: "/documents",
    body: { documents: [doc({ content: "é".repeat(MIB / 2 + 1) })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].content",
  },
  {
    name: "metadata over 64 KiB",
    path: "/documents",
    body: { documents: [doc({ metadata: { blob: "x".repeat(65_536) } })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].metadata",
  },
  // Numbers and vectors PostgreSQL would refuse or that would make cosine NaN.
  {
    name: "1e400 in an embedding",
    path: "/chunks",
    body:
      '{"chunks":[{"id":"x","document_id":"existing","content":"t","chunk_index":0,"embedding":[1e400,0,0]}]}',
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "1e400 as chunk_index",
    path: "/chunks",
    body: '{"chunks":[{"document_id":"existing","content":"t","chunk_index":1e400}]}',
    status: 400,
    code: "validation_failed",
    field: "chunks[0].chunk_index",
  },
  {
    name: "zero vector",
    path: "/chunks",
    body: withEmbedding([0, 0, 0]),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "norm underflows single precision",
    path: "/chunks",
    body: withEmbedding([1e-30, 1e-30, 1e-30]),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "norm overflows single precision",
    path: "/chunks",
    body: withEmbedding([1e20, 1e20, 1e20]),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "value beyond float32",
    path: "/chunks",
    body: withEmbedding([1e39, 0, 0]),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "base64 NaN",
    path: "/chunks",
    body: withEmbedding(Buffer.from(new Float32Array([NaN, 1, 1]).buffer).toString("base64")),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "wrong dimension",
    path: "/chunks",
    body: withEmbedding([1, 2]),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "wrong dimension in base64",
    path: "/chunks",
    body: withEmbedding(Buffer.from(new Float32Array([1, 2, 3, 4]).buffer).toString("base64")),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "not base64",
    path: "/chunks",
    body: withEmbedding("not base64!"),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  {
    name: "strings in a vector",
    path: "/chunks",
    body: withEmbedding(["1", "2", "3"]),
    status: 400,
    code: "validation_failed",
    field: "chunks[0].embedding",
  },
  // Text PostgreSQL cannot store.
  {
    name: "NUL in content",
    path: "/documents",
    body: { documents: [doc({ content: "a\u0000b" })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].content",
  },
  {
    name: "NUL in an id",
    path: "/documents/get",
    body: { ids: ["ok", "a\u0000"] },
    status: 400,
    code: "validation_failed",
    field: "ids[1]",
  },
  {
    name: "NUL in metadata",
    path: "/documents",
    body: { documents: [doc({ metadata: { k: "\u0000" } })] },
    status: 400,
    code: "validation_failed",
    field: "documents[0].metadata",
  },
  {
    name: "lone surrogate",
    path: "/documents",
    body: '{"documents":[{"content":"a\\ud800b"}]}',
    status: 400,
    code: "validation_failed",
    field: "documents[0].content",
  },
  // One bad item among good ones: nothing is written and the item is named.
  {
    name: "bad item in a batch",
    path: "/documents",
    body: {
      documents: [doc({ id: "good-1" }), doc({ id: "good-2" }), doc({ id: "bad-3", content: "" })],
    },
    status: 400,
    code: "validation_failed",
    field: "documents[2].content",
  },
  {
    name: "duplicate ids in a batch",
    path: "/documents",
    body: { documents: [doc({ id: "twin" }), doc({ id: "twin", content: "other" })] },
    status: 400,
    code: "validation_failed",
    field: "documents[1].id",
  },
  {
    name: "duplicate chunk ids",
    path: "/chunks",
    body: { chunks: [chunk(), chunk({ content: "other" })] },
    status: 400,
    code: "validation_failed",
    field: "chunks[1].id",
  },
  {
    name: "chunk of another document in a batch",
    path: "/chunks",
    body: { chunks: [chunk({ id: "fine" }), chunk({ id: "x", document_id: "absent" })] },
    status: 404,
    code: "not_found",
    field: "chunks[1].document_id",
  },
  // Listing parameters and chunking options.
  {
    name: "limit 0",
    method: "GET",
    path: "/documents?limit=0",
    status: 400,
    code: "validation_failed",
    field: "limit",
  },
  {
    name: "limit 201",
    method: "GET",
    path: "/documents?limit=201",
    status: 400,
    code: "validation_failed",
    field: "limit",
  },
  {
    name: "unknown order",
    method: "GET",
    path: "/documents?order=random",
    status: 400,
    code: "validation_failed",
    field: "order",
  },
  {
    name: "forged cursor",
    method: "GET",
    path: "/documents?cursor=eyJvIjoiaWQiLCJ2IjoxfQ",
    status: 400,
    code: "validation_failed",
    field: "cursor",
  },
  {
    name: "overlap not below max",
    path: "/documents",
    body: { documents: [doc()], chunking: { max_tokens: 10, overlap_tokens: 10 } },
    status: 400,
    code: "validation_failed",
    field: "chunking.overlap_tokens",
  },
  {
    name: "no keys and no type",
    path: "/cache/delete",
    body: {},
    status: 400,
    code: "validation_failed",
    field: "keys",
  },
  // Bodies that are not JSON.
  {
    name: "malformed JSON",
    path: "/documents",
    body: '{"documents": [',
    status: 400,
    code: "invalid_json",
  },
  {
    name: "not JSON",
    path: "/documents",
    body: "content=x",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "unsupported_media_type",
  },
];

describe("bad input is refused with problem details and changes nothing", () => {
  let api: TestApi;
  let before: string;
  beforeAll(async () => {
    api = await openTestApi();
    const seeded = await api.request("POST", "/documents", {
      body: {
        documents: [{
          id: "existing",
          content: "existing",
          chunks: [{ id: "e-0", content: "existing" }],
        }],
      },
    });
    expect(seeded.status).toBe(200);
    await api.request("PUT", "/cache/k", { body: { cache_type: "t", prompt: "p", response: "r" } });
    before = await tenantFingerprint(api.test.db, api.tenantId);
  });
  afterAll(() => api.close());

  it.each(CASES)("$name → $status $code", async (testCase) => {
    const response = await api.request(testCase.method ?? "POST", testCase.path, {
      body: testCase.body,
      headers: testCase.headers,
    });
    expect(response.status).toBe(testCase.status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body).toMatchObject({ code: testCase.code, status: testCase.status });
    if (testCase.field) {
      expect(response.body.errors?.map((error: { path: string }) => error.path)).toContain(
        testCase.field,
      );
    }
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });
});

describe("unusual but valid text is stored exactly", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  it.each([
    [
      "SQL-looking id and content",
      "'; drop table pgrag.documents; --",
      "1); delete from pgrag.chunks; --",
    ],
    ["quotes, backslashes and dollars", `a"b\\c$$d$tag$`, "O'Reilly \\N $1 %s {}"],
    ["unicode", "文档-📄-مستند", "Ünïcødé 🚀 текст עברית \u200b zero-width"],
  ])("%s", async (_name, id, content) => {
    const stored = await api.request("POST", "/documents", {
      body: { documents: [{ id, content, metadata: { note: content } }] },
    });
    expect(stored.status).toBe(200);
    const read = await api.request("GET", `/documents/${encodeURIComponent(id)}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, content, metadata: { note: content } });
    const chunk = await api.request("POST", "/chunks/get", {
      body: { ids: [read.body.id === id ? `chunk-${read.body.content_hash}` : ""] },
    });
    expect(chunk.body.items[0]).toMatchObject({ content, document_id: id });
  });
});
