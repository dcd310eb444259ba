import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { request as httpRequest } from "node:http";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";
import { TEST_EMBEDDING_DIM } from "../support/database.ts";

// The official SDK's client against pgrag served on a port, as an MCP host would connect.
let api: TestApi;
let server: Deno.HttpServer<Deno.NetAddr>;
let endpoint: URL;
let other: Awaited<ReturnType<TestApi["addTenant"]>>;

const clients: Client[] = [];

async function connect(key: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "pgrag-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(endpoint, {
    requestInit: { headers: { "X-API-Key": key, ...headers } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const unit = (index: number) =>
  Array.from({ length: TEST_EMBEDDING_DIM }, (_, i) => (i === index ? 1 : 0.1));

beforeAll(async () => {
  api = await openTestApi();
  other = await api.addTenant();
  server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, api.app.fetch);
  endpoint = new URL(`http://localhost:${server.addr.port}/rag/v1/mcp`);
  const stored = await api.request("POST", "/documents", {
    body: {
      documents: [
        {
          id: "mcp-doc-1",
          title: "Tides",
          content: "The moon pulls the oceans and makes the tides rise and fall.",
          metadata: { lang: "en" },
          chunks: [{
            id: "mcp-chunk-1",
            content: "The moon pulls the oceans.",
            embedding: unit(0),
          }],
        },
        {
          id: "mcp-doc-2",
          content: "Photosynthesis turns sunlight into sugar in green leaves.",
          chunks: [{ id: "mcp-chunk-2", content: "Sunlight becomes sugar.", embedding: unit(1) }],
        },
      ],
    },
  });
  expect(stored.status).toBe(200);
  const graph = await api.request("POST", "/graph/relations", {
    body: { relations: [{ source: "Moon", target: "Tide", description: "pulls" }] },
  });
  expect(graph.status).toBe(200);
});

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await server?.shutdown();
  await api?.close();
});

const text = (result: { content?: unknown }) =>
  (result.content as { type: string; text: string }[])[0].text;

describe("MCP over Streamable HTTP (official SDK client)", () => {
  it("initializes, pings and lists the tools a writer key may use", async () => {
    const client = await connect(api.keys.writer);
    expect(client.getServerVersion()?.name).toBe("pgrag");
    expect(await client.ping()).toEqual({});
    const { tools } = await client.listTools();
    expect(tools.map((tool: Tool) => tool.name).sort()).toEqual([
      "get_chunks",
      "get_document",
      "graph_entity",
      "graph_subgraph",
      "list_documents",
      "search",
      "upsert_documents",
    ]);
    const search = tools.find((tool: Tool) => tool.name === "search")!;
    expect(search.inputSchema.properties).toHaveProperty("query");
    expect(search.inputSchema.properties).toHaveProperty("filter");
    expect(await client.setLoggingLevel("info")).toEqual({});
  });

  it("stores documents through upsert_documents with a writer key", async () => {
    const client = await connect(api.keys.writer);
    const result = await client.callTool({
      name: "upsert_documents",
      arguments: { documents: [{ id: "mcp-doc-3", content: "Volcanoes erupt molten rock." }] },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      documents: [{ id: "mcp-doc-3", created: true }],
    });
    expect((await api.request("GET", "/documents/mcp-doc-3")).body.content)
      .toBe("Volcanoes erupt molten rock.");
    // Audited like the route it stands for.
    const audit = await api.request("GET", "/audit?limit=5", { key: api.keys.admin });
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((row: { resource: string }) => row.resource))
      .toContain("/documents");
  });

  it("answers every tool as the HTTP route answers for the same tenant", async () => {
    const client = await connect(api.keys.reader);
    const cases: [string, Record<string, unknown>, () => Promise<unknown>][] = [
      [
        "search",
        { query: "moon oceans", top_k: 5 },
        async () =>
          (await api.request("POST", "/search", { body: { query: "moon oceans", top_k: 5 } }))
            .body,
      ],
      [
        "search",
        { embedding: unit(1), top_k: 1 },
        async () =>
          (await api.request("POST", "/search", { body: { embedding: unit(1), top_k: 1 } })).body,
      ],
      [
        "get_document",
        { id: "mcp-doc-1" },
        async () => (await api.request("GET", "/documents/mcp-doc-1")).body,
      ],
      [
        "list_documents",
        { limit: 1, order: "id" },
        async () => (await api.request("GET", "/documents?limit=1&order=id")).body,
      ],
      [
        "get_chunks",
        { ids: ["mcp-chunk-2", "nope"] },
        async () =>
          (await api.request("POST", "/chunks/get", { body: { ids: ["mcp-chunk-2", "nope"] } }))
            .body,
      ],
      [
        "graph_subgraph",
        { label: "Moon", max_depth: 1 },
        async () => (await api.request("GET", "/graph/subgraph?label=Moon&max_depth=1")).body,
      ],
      ["graph_entity", { name: "Moon" }, async () => ({
        ...(await api.request("GET", "/graph/entities/Moon")).body,
        relations: (await api.request("GET", "/graph/entities/Moon/relations")).body.items,
      })],
    ];
    for (const [name, args, viaHttp] of cases) {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, `${name}: ${text(result)}`).toBeFalsy();
      expect(result.structuredContent, name).toEqual(await viaHttp());
      expect(JSON.parse(text(result)), name).toEqual(result.structuredContent);
    }
    const found = await client.callTool({ name: "search", arguments: { query: "moon" } });
    const results = (found.structuredContent as { results: { document_id: string }[] }).results;
    expect(results[0].document_id).toBe("mcp-doc-1");
  });

  it("hides upsert_documents from a reader key and refuses it", async () => {
    const client = await connect(api.keys.reader);
    const { tools } = await client.listTools();
    expect(tools.map((tool: Tool) => tool.name)).not.toContain("upsert_documents");
    const attempt = await client.callTool({
      name: "upsert_documents",
      arguments: { documents: [{ id: "mcp-sneaky", content: "no" }] },
    }).catch((error: Error) => ({
      isError: true,
      content: [{ type: "text", text: error.message }],
    }));
    expect(attempt.isError).toBe(true);
    expect(text(attempt)).toMatch(/upsert_documents/);
    expect((await api.request("GET", "/documents/mcp-sneaky")).status).toBe(404);
  });

  it("shows tenant B nothing of tenant A through any tool", async () => {
    const client = await connect(other.keys.writer);
    const search = await client.callTool({ name: "search", arguments: { query: "moon oceans" } });
    expect(search.structuredContent).toEqual({
      results: [],
      exhausted: true,
      mode: "keyword",
      embedding_source: null,
    });
    const vector = await client.callTool({ name: "search", arguments: { embedding: unit(0) } });
    expect((vector.structuredContent as { results: unknown[] }).results).toEqual([]);
    const document = await client.callTool({
      name: "get_document",
      arguments: { id: "mcp-doc-1" },
    });
    expect(document.isError).toBe(true);
    expect(document.structuredContent).toMatchObject({ status: 404, code: "not_found" });
    const list = await client.callTool({ name: "list_documents", arguments: {} });
    expect(list.structuredContent).toEqual({ items: [], next_cursor: null });
    const chunks = await client.callTool({
      name: "get_chunks",
      arguments: { ids: ["mcp-chunk-1"] },
    });
    expect(chunks.structuredContent).toEqual({ items: [null] });
    const entity = await client.callTool({ name: "graph_entity", arguments: { name: "Moon" } });
    expect(entity.isError).toBe(true);
    const subgraph = await client.callTool({ name: "graph_subgraph", arguments: { label: "*" } });
    expect(subgraph.structuredContent).toMatchObject({ nodes: [], edges: [] });
  });

  it("answers bad arguments with a tool error that says what is wrong", async () => {
    const client = await connect(api.keys.reader);
    const missing = await client.callTool({ name: "search", arguments: { top_k: 5 } });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/query/);
    const range = await client.callTool({ name: "search", arguments: { query: "x", top_k: 0 } });
    expect(range.isError).toBe(true);
    const absent = await client.callTool({ name: "get_document", arguments: { id: "absent" } });
    expect(absent.isError).toBe(true);
    expect(text(absent)).toMatch(/absent|not found|no document/i);
  });
});

describe("the MCP endpoint over plain HTTP", () => {
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const rawPost = (headers: Record<string, string>, body: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({
        host: "127.0.0.1",
        port: server.addr.port,
        path: endpoint.pathname,
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
          ...headers,
        },
      }, (response) => {
        let text = "";
        response.on("data", (chunk) => text += chunk);
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on("error", reject);
      request.end(JSON.stringify(body));
    });
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "curl", version: "1" },
    },
  };

  it("refuses a request without credentials with a 401 problem", async () => {
    const response = await post({}, initialize);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
    await response.body?.cancel();
  });

  it("refuses a revoked or unknown key", async () => {
    const response = await post({ "X-API-Key": "pgrag_" + "x".repeat(43) }, initialize);
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it("refuses a rebinding Host or a foreign Origin (DNS-rebinding protection)", async () => {
    // fetch sends the Host of its URL whatever it is told, so this one goes out through node:http.
    const evilHost = await rawPost(
      { "X-API-Key": api.keys.reader, Host: "evil.example.com" },
      initialize,
    );
    expect(evilHost.status).toBe(403);
    expect(evilHost.body).toMatch(/PGRAG_MCP_ALLOWED_HOSTS/);
    const evilOrigin = await post(
      { "X-API-Key": api.keys.reader, Origin: "http://evil.example.com" },
      initialize,
    );
    expect(evilOrigin.status).toBe(403);
    await evilOrigin.body?.cancel();
    const local = await post(
      { "X-API-Key": api.keys.reader, Origin: `http://localhost:${server.addr.port}` },
      initialize,
    );
    expect(local.status).toBe(200);
    expect((await local.json()).result.serverInfo.name).toBe("pgrag");
  });

  it("answers malformed JSON-RPC with JSON-RPC errors, never a 500", async () => {
    const notJsonRpc = await post({ "X-API-Key": api.keys.reader }, { hello: "world" });
    expect(notJsonRpc.status).toBeGreaterThanOrEqual(400);
    expect(notJsonRpc.status).toBeLessThan(500);
    const unknown = await post({ "X-API-Key": api.keys.reader }, {
      jsonrpc: "2.0",
      id: 7,
      method: "no/such/method",
    });
    expect(unknown.status).toBeLessThan(500);
    const answer = await unknown.json();
    expect(answer.error.code).toBe(-32601);
    const broken = await post({ "X-API-Key": api.keys.reader }, "{not json");
    expect(broken.status).toBe(400);
    await broken.body?.cancel();
  });

  it("answers GET and DELETE with 405: there is no session to stream or end", async () => {
    for (const method of ["GET", "DELETE"]) {
      const response = await fetch(endpoint, { method, headers: { "X-API-Key": api.keys.reader } });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
      await response.body?.cancel();
    }
  });
});
