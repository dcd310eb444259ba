import { expect } from "vitest";
import type { TestApi } from "./api.ts";
import type { TenantFixture } from "./route-examples.ts";

/** The data every route example aims at, stored in the tenant that owns it. */
export const ROUTE_FIXTURE: TenantFixture = {
  documentId: "fixture-doc",
  trackId: "fixture-track",
  chunkId: "fixture-chunk",
  chunkEmbedding: [1, 0, 0],
  keyword: "quokkas",
  cacheKey: "fixture:extract:key",
  cacheType: "extract",
  relation: ["Fixture Source", "Fixture Target"],
  entityEmbedding: [0, 1, 0],
  relationEmbedding: [0, 0, 1],
};

/**
 * Stores the fixture's data through the API with the tenant's writer key, every text carrying
 * `marker`. Idempotent: it puts back what a route example changed or deleted.
 */
export async function seedFixture(api: TestApi, marker: string, f = ROUTE_FIXTURE) {
  const [source, target] = f.relation;
  const writes: [string, string, unknown, number][] = [
    ["POST", "/documents", {
      documents: [{
        id: f.documentId,
        title: `${marker} title`,
        content: `${marker}: a field guide to ${f.keyword} on Rottnest Island`,
        source: "tenant-a-source",
        file_path: "tenant-a/guide.md",
        metadata: { secret: marker },
        chunks: [{
          id: f.chunkId,
          content: `${marker}: ${f.keyword} smile at tourists`,
          embedding: f.chunkEmbedding,
          metadata: { secret: marker },
        }],
      }],
    }, 200],
    ["PATCH", `/documents/${f.documentId}/status`, {
      status: "processed",
      track_id: f.trackId,
    }, 200],
    ["PUT", `/cache/${encodeURIComponent(f.cacheKey)}`, {
      cache_type: f.cacheType,
      prompt: `${marker} prompt`,
      response: `${marker} response`,
      chunk_id: f.chunkId,
    }, 200],
    ["POST", "/graph/entities", {
      entities: [source, target].map((name) => ({
        name,
        type: "animal",
        description: `${marker} describes ${name}`,
        source_chunk_ids: [f.chunkId],
        embedding: f.entityEmbedding,
        properties: { secret: marker },
      })),
    }, 200],
    ["POST", "/graph/relations", {
      relations: [{
        source,
        target,
        description: `${marker} relation`,
        keywords: `${marker} keywords`,
        source_chunk_ids: [f.chunkId],
        embedding: f.relationEmbedding,
      }],
    }, 200],
    ["POST", "/kv/full_docs/upsert", {
      entries: { [f.documentId]: { content: `${marker} document`, status: "processed" } },
    }, 200],
    ["POST", "/vectors/chunks/upsert", {
      records: [{
        id: f.chunkId,
        content: `${marker} chunk`,
        metadata: { entity_name: source, src_id: source, tgt_id: target },
        embedding: f.chunkEmbedding,
      }],
    }, 200],
    ["POST", "/usage", {
      model_name: `${marker}-model`,
      provider: "openai",
      input_tokens: 10,
      output_tokens: 5,
      input_cost: 0.01,
      output_cost: 0.02,
    }, 201],
  ];
  for (const [method, path, body, status] of writes) {
    const response = await api.request(method, path, { body });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(status);
  }
}
