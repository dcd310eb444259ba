/**
 * One or more valid requests for every tenant route, aimed at data a given tenant owns, with
 * what any other tenant must get back from them. A matrix test sends each of them with another
 * tenant's key (isolation) and with the owner's key while it is suspended.
 */

/** Ids and vectors of data stored in the owning tenant, which the examples aim at. */
export interface TenantFixture {
  documentId: string;
  /** The document's `track_id`, to filter the listing by it. */
  trackId: string;
  /** One chunk of the document, with an embedding. */
  chunkId: string;
  chunkEmbedding: readonly number[];
  /** A word of the chunk's content, for keyword search. */
  keyword: string;
  cacheKey: string;
  cacheType: string;
  /** Two entities joined by a relation, both with embeddings. */
  relation: readonly [source: string, target: string];
  entityEmbedding: readonly number[];
  relationEmbedding: readonly number[];
}

/** What a tenant that does not own the fixture's data must get from an example. */
export type ForeignAnswer =
  /** 404 `not_found`, exactly as for ids nobody stored. */
  | { kind: "not_found" }
  /** 200 with exactly this body: what the contract answers when nothing matches. */
  | { kind: "empty"; body: unknown }
  /** A 2xx or a 404: the write lands in the caller's own tenant or nowhere, never in the owner's. */
  | { kind: "no_effect" }
  /**
   * 200 with the caller's own view (its statistics, usage, audit log), which never names the
   * owner's tenant id nor carries the owner's text.
   */
  | { kind: "own_view" };

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteExample {
  /** The route as the OpenAPI document names it, e.g. `GET /documents/{id}`. */
  route: string;
  /** What this example exercises, telling apart the examples of one route. */
  case: string;
  method: Method;
  /** The path below the base path, its parameters filled in and encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  foreign: ForeignAnswer;
}

const NOT_FOUND: ForeignAnswer = { kind: "not_found" };
const NO_EFFECT: ForeignAnswer = { kind: "no_effect" };
const OWN_VIEW: ForeignAnswer = { kind: "own_view" };
const empty = (body: unknown): ForeignAnswer => ({ kind: "empty", body });

/** Text another tenant writes; it must never show up in the owner's data. */
const FOREIGN_TEXT = "written by another tenant";

const OPERATION_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
}

/**
 * The routes of an OpenAPI document that a tenant's API key opens, as `METHOD /path`. Admin
 * routes are left out even if they ever accept an API key too: they are not scoped to a tenant.
 */
export function tenantRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method, operation]) =>
        OPERATION_METHODS.includes(method) && !path.startsWith("/admin/") &&
        (operation.security ?? []).some((requirement) => "ApiKey" in requirement)
      )
      .map(([method]) => `${method.toUpperCase()} ${path}`)
  );
}

/** The example's path with its query string, as sent below the base path. */
export function exampleUrl(example: RouteExample): string {
  const query = new URLSearchParams(example.query).toString();
  return query ? `${example.path}?${query}` : example.path;
}

/** Method and path of a route, its `{name}` parameters filled in from `params`. */
function at(route: string, params: Record<string, string> = {}) {
  const [method, template] = route.split(" ") as [Method, string];
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  return { route, method, path };
}

/** Every example, aimed at the fixture's data. */
export function routeExamples(fixture: TenantFixture): RouteExample[] {
  return [
    ...documentExamples(fixture),
    ...chunkExamples(fixture),
    ...cacheExamples(fixture),
    ...searchExamples(fixture),
    ...embeddingQueueExamples(fixture),
    ...graphExamples(fixture),
    ...graphBatchExamples(fixture),
    ...lightragExamples(fixture),
    ...governanceExamples(),
  ];
}

/** Usage, statistics and audit are per tenant without ids: each caller sees its own. */
function governanceExamples(): RouteExample[] {
  return [
    {
      ...at("POST /usage"),
      case: "record a call",
      body: {
        model_name: FOREIGN_TEXT,
        provider: "openai",
        input_tokens: 1,
        output_tokens: 1,
        input_cost: 0.001,
        output_cost: 0.002,
      },
      foreign: NO_EFFECT,
    },
    {
      ...at("GET /usage/summary"),
      case: "by model",
      query: { group_by: "model" },
      foreign: OWN_VIEW,
    },
    { ...at("GET /stats"), case: "the caller's row", foreign: OWN_VIEW },
    { ...at("GET /audit"), case: "the newest entries", foreign: OWN_VIEW },
  ];
}

function documentExamples(f: TenantFixture): RouteExample[] {
  const id = { id: f.documentId };
  return [
    {
      ...at("POST /documents"),
      case: "upsert under the owner's document and chunk ids",
      body: {
        documents: [{
          id: f.documentId,
          content: FOREIGN_TEXT,
          chunks: [{ id: f.chunkId, content: FOREIGN_TEXT, embedding: f.chunkEmbedding }],
        }],
      },
      foreign: NO_EFFECT,
    },
    {
      ...at("GET /documents"),
      case: "list everything",
      foreign: empty({ items: [], next_cursor: null }),
    },
    {
      ...at("GET /documents"),
      case: "list by the owner's track id",
      query: { track_id: f.trackId, order: "id" },
      foreign: empty({ items: [], next_cursor: null }),
    },
    {
      ...at("GET /documents/status-counts"),
      case: "count",
      foreign: empty({ pending: 0, processing: 0, processed: 0, failed: 0, all: 0 }),
    },
    { ...at("GET /documents/{id}", id), case: "read", foreign: NOT_FOUND },
    { ...at("DELETE /documents/{id}", id), case: "delete", foreign: NO_EFFECT },
    {
      ...at("POST /documents/get"),
      case: "read by id",
      body: { ids: [f.documentId] },
      foreign: empty({ items: [null] }),
    },
    {
      ...at("PATCH /documents/{id}/status", id),
      case: "set the status",
      body: { status: "failed", error_msg: FOREIGN_TEXT, track_id: "foreign", metadata: {} },
      foreign: NO_EFFECT,
    },
    {
      ...at("POST /documents/delete"),
      case: "delete by id",
      body: { ids: [f.documentId] },
      foreign: NO_EFFECT,
    },
    {
      ...at("POST /documents/missing"),
      case: "ask which are missing",
      body: { ids: [f.documentId] },
      foreign: empty({ missing: [f.documentId] }),
    },
  ];
}

function chunkExamples(f: TenantFixture): RouteExample[] {
  const id = { id: f.chunkId };
  return [
    {
      ...at("POST /chunks"),
      case: "upsert into the owner's document",
      body: {
        chunks: [{
          id: f.chunkId,
          document_id: f.documentId,
          content: FOREIGN_TEXT,
          chunk_index: 0,
          embedding: f.chunkEmbedding,
        }],
      },
      foreign: NO_EFFECT,
    },
    { ...at("GET /chunks/{id}", id), case: "read", foreign: NOT_FOUND },
    {
      ...at("GET /chunks/{id}", id),
      case: "read with the embedding",
      query: { include: "embedding" },
      foreign: NOT_FOUND,
    },
    {
      ...at("POST /chunks/get"),
      case: "read by id with embeddings",
      body: { ids: [f.chunkId], include_embedding: true },
      foreign: empty({ items: [null] }),
    },
    {
      ...at("PUT /chunks/embeddings"),
      case: "replace the embedding",
      body: { items: [{ id: f.chunkId, embedding: f.chunkEmbedding }] },
      foreign: NO_EFFECT,
    },
    {
      ...at("POST /chunks/missing"),
      case: "ask which are missing",
      body: { ids: [f.chunkId] },
      foreign: empty({ missing: [f.chunkId] }),
    },
    {
      ...at("POST /chunks/delete"),
      case: "delete by id",
      body: { ids: [f.chunkId] },
      foreign: NO_EFFECT,
    },
  ];
}

function cacheExamples(f: TenantFixture): RouteExample[] {
  const key = { key: f.cacheKey };
  return [
    {
      ...at("PUT /cache/{key}", key),
      case: "overwrite",
      body: { cache_type: f.cacheType, prompt: FOREIGN_TEXT, response: FOREIGN_TEXT },
      foreign: NO_EFFECT,
    },
    { ...at("GET /cache/{key}", key), case: "read", foreign: NOT_FOUND },
    {
      ...at("POST /cache/delete"),
      case: "delete by key",
      body: { keys: [f.cacheKey] },
      foreign: NO_EFFECT,
    },
    {
      ...at("POST /cache/delete"),
      case: "delete by cache type",
      body: { cache_type: f.cacheType },
      foreign: NO_EFFECT,
    },
  ];
}

/** The embedding queue: each tenant sees and refills its own. */
function embeddingQueueExamples(f: TenantFixture): RouteExample[] {
  return [
    { ...at("GET /embeddings/queue"), case: "the caller's queue", foreign: OWN_VIEW },
    {
      ...at("POST /embeddings/queue"),
      case: "queue the owner's document again",
      body: { document_ids: [f.documentId] },
      foreign: NO_EFFECT,
    },
  ];
}

function searchExamples(f: TenantFixture): RouteExample[] {
  const nothing = (mode: string, embedding_source: string | null) =>
    empty({ results: [], exhausted: true, mode, embedding_source });
  return [
    {
      ...at("POST /search"),
      case: "keyword",
      body: { query: f.keyword, mode: "keyword" },
      foreign: nothing("keyword", null),
    },
    {
      ...at("POST /search"),
      case: "vector",
      body: { embedding: f.chunkEmbedding, mode: "vector", include_embedding: true },
      foreign: nothing("vector", "request"),
    },
    {
      ...at("POST /search"),
      case: "hybrid filtered by the owner's document",
      body: {
        query: f.keyword,
        embedding: f.chunkEmbedding,
        filter: { document_ids: [f.documentId] },
      },
      foreign: nothing("hybrid", "request"),
    },
    {
      ...at("POST /entities/search"),
      case: "nearest entities",
      body: { embedding: f.entityEmbedding, top_k: 10 },
      foreign: empty({ results: [] }),
    },
    {
      ...at("POST /relations/search"),
      case: "nearest relations",
      body: { embedding: f.relationEmbedding, top_k: 10 },
      foreign: empty({ results: [] }),
    },
  ];
}

function graphExamples(f: TenantFixture): RouteExample[] {
  const [source, target] = f.relation;
  const name = { name: source };
  return [
    {
      ...at("POST /graph/entities"),
      case: "upsert under the owner's entity name",
      body: {
        entities: [{
          name: source,
          description: FOREIGN_TEXT,
          source_chunk_ids: [f.chunkId],
          embedding: f.entityEmbedding,
          properties: { written_by: "another tenant" },
        }],
      },
      foreign: NO_EFFECT,
    },
    {
      ...at("POST /graph/relations"),
      case: "upsert the owner's relation, reversed",
      body: {
        relations: [{
          source: target,
          target: source,
          description: FOREIGN_TEXT,
          source_chunk_ids: [f.chunkId],
          embedding: f.relationEmbedding,
        }],
      },
      foreign: NO_EFFECT,
    },
    {
      ...at("GET /graph/relations"),
      case: "read",
      query: { source, target },
      foreign: NOT_FOUND,
    },
    {
      ...at("GET /graph/relations"),
      case: "read, reversed",
      query: { source: target, target: source },
      foreign: NOT_FOUND,
    },
    { ...at("GET /graph/entities/{name}", name), case: "read", foreign: NOT_FOUND },
    { ...at("DELETE /graph/entities/{name}", name), case: "delete", foreign: NO_EFFECT },
    {
      ...at("POST /graph/entities/get"),
      case: "read by name",
      body: { names: [source, target] },
      foreign: empty({ items: [null, null] }),
    },
    {
      ...at("GET /graph/entities/{name}/relations", name),
      case: "read the relations",
      foreign: NOT_FOUND,
    },
    {
      ...at("POST /graph/relations/delete"),
      case: "delete by pair",
      body: { pairs: [[source, target]] },
      foreign: NO_EFFECT,
    },
    {
      ...at("GET /graph/subgraph"),
      case: "around the owner's entity",
      query: { label: source, max_depth: "2" },
      foreign: empty({ nodes: [], edges: [], is_truncated: false }),
    },
    {
      ...at("GET /graph/subgraph"),
      case: "the most connected",
      query: { label: "*" },
      foreign: empty({ nodes: [], edges: [], is_truncated: false }),
    },
    {
      ...at("GET /graph/labels"),
      case: "the most connected",
      foreign: empty({ items: [] }),
    },
    {
      ...at("GET /graph/labels"),
      case: "fuzzy match of the owner's entity",
      query: { q: source, limit: "10" },
      foreign: empty({ items: [] }),
    },
  ];
}

function graphBatchExamples(f: TenantFixture): RouteExample[] {
  const [source, target] = f.relation;
  return [
    {
      ...at("POST /graph/relations/get"),
      case: "read by pair",
      body: { pairs: [[target, source]] },
      foreign: empty({ items: [null] }),
    },
    {
      ...at("POST /graph/entities/relations"),
      case: "read the relations by name",
      body: { names: [source] },
      foreign: empty({ items: [null] }),
    },
    {
      ...at("POST /graph/entities/delete"),
      case: "delete by name",
      body: { names: [source] },
      foreign: NO_EFFECT,
    },
    { ...at("POST /graph/drop"), case: "drop the graph", foreign: NO_EFFECT },
    {
      ...at("GET /graph/export"),
      case: "the whole graph",
      foreign: empty({ entities: [], relations: [], is_truncated: false }),
    },
  ];
}

/** LightRAG's namespaces: the fixture stores a full_docs record and a chunks vector. */
function lightragExamples(f: TenantFixture): RouteExample[] {
  const kv = (op: string) => at(`POST /kv/{namespace}/${op}`, { namespace: "full_docs" });
  const vectors = (op: string) => at(`POST /vectors/{namespace}/${op}`, { namespace: "chunks" });
  return [
    {
      ...kv("upsert"),
      case: "write",
      body: { entries: { [f.documentId]: { content: FOREIGN_TEXT } } },
      foreign: NO_EFFECT,
    },
    {
      ...kv("get"),
      case: "read by id",
      body: { ids: [f.documentId] },
      foreign: empty({ items: [null] }),
    },
    {
      ...kv("missing"),
      case: "missing ids",
      body: { ids: [f.documentId] },
      foreign: empty({ missing: [f.documentId] }),
    },
    { ...kv("delete"), case: "delete by id", body: { ids: [f.documentId] }, foreign: NO_EFFECT },
    { ...kv("drop"), case: "drop the namespace", foreign: NO_EFFECT },
    {
      ...kv("query"),
      case: "page by status",
      body: { match: { status: "processed" }, count_field: "status" },
      foreign: empty({ items: [], total: 0, counts: {} }),
    },
    {
      ...vectors("upsert"),
      case: "write",
      body: { records: [{ id: f.chunkId, content: FOREIGN_TEXT, embedding: f.chunkEmbedding }] },
      foreign: NO_EFFECT,
    },
    {
      ...vectors("query"),
      case: "nearest",
      body: { embedding: f.chunkEmbedding, top_k: 5 },
      foreign: empty({ results: [] }),
    },
    {
      ...vectors("get"),
      case: "read by id",
      body: { ids: [f.chunkId], include_embedding: true },
      foreign: empty({ items: [null] }),
    },
    {
      ...vectors("delete"),
      case: "delete by id and entity",
      body: { ids: [f.chunkId], entity_name: f.relation[0], relations_of: f.relation[1] },
      foreign: NO_EFFECT,
    },
    { ...vectors("drop"), case: "drop the namespace", foreign: NO_EFFECT },
  ];
}
