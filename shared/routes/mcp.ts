import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { Config } from "../config.ts";
import type { AccessLevel } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { type Credential, readCredential } from "../http/credentials.ts";
import type { RequestDatabase } from "../http/request-database.ts";
import type { VerifiedKeys } from "../http/verified-keys.ts";
import { checkHostAndOrigin } from "../mcp/host-guard.ts";
import { type ApiDispatch, createMcpServer } from "../mcp/server.ts";
import { type ApiCall, toolDefinitions } from "../mcp/tools.ts";

/** Answers a request on pgrag's HTTP API in-process, as the whole app (middleware and all). */
export type AppFetch = (request: Request, env: unknown) => Response | Promise<Response>;

/**
 * API §9: the MCP server over Streamable HTTP at `/mcp`. It is stateless: POST carries every
 * message and is answered with JSON, and there is no session to stream to (GET) or end (DELETE),
 * so both answer 405 as the transport specification allows. Tools call the HTTP routes in-process
 * with the request's own credential (see shared/mcp/tools.ts).
 */
export function mcpRoutes(config: Config, appFetch: () => AppFetch) {
  const tools = toolDefinitions(config);
  const app = new Hono<AppEnv>();

  app.on(["GET", "DELETE"], "/mcp", (c) => {
    checkHostAndOrigin(c.req.raw.headers, config.mcp);
    return c.json(
      { jsonrpc: "2.0", error: { code: -32000, message: "this MCP server is stateless: POST" } },
      405,
      { Allow: "POST" },
    );
  });

  app.post("/mcp", async (c) => {
    checkHostAndOrigin(c.req.raw.headers, config.mcp);
    const credential = await readCredential(c, c.var.tokenVerifier);
    const level = await credentialLevel(c.var.db, c.var.verifiedKeys, credential);
    const parsedBody = await c.var.body?.read();
    const dispatch: ApiDispatch = (call) =>
      Promise.resolve(appFetch()(apiRequest(c.req.raw, call), c.env));
    const server = createMcpServer(tools, level, dispatch, c.var.requestId);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw, { parsedBody });
    } finally {
      await server.close();
    }
  });

  return app;
}

/**
 * The highest level the credential holds, asked of the database for a key (a reader key is
 * refused the writer level with PR403) and read from a verified token. Refuses (401, 403, 423)
 * a credential that does not even hold the reader level, before any MCP message is read.
 */
async function credentialLevel(
  db: RequestDatabase,
  verifiedKeys: VerifiedKeys,
  credential: Credential,
): Promise<AccessLevel> {
  if (credential.kind === "token") return credential.role;
  // No tool needs more than the writer level, so the admin level is not asked for. The writer
  // level is asked first: a writer key then costs one check, a reader key two.
  try {
    await verifiedKeys.verify(db, credential, "writer");
    return "writer";
  } catch (error) {
    if (!(error instanceof DatabaseError && error.sqlstate === "PR403")) throw error;
  }
  await verifiedKeys.verify(db, credential, "reader");
  return "reader";
}

/** The route call as a request of the app's own, with the MCP request's credentials and id. */
function apiRequest(outer: Request, call: ApiCall): Request {
  const url = new URL(outer.url);
  url.pathname = url.pathname.replace(/\/mcp\/?$/, "") + call.path;
  url.search = "";
  for (const [name, value] of Object.entries(call.query ?? {})) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
  const headers = new Headers();
  for (const name of ["x-api-key", "authorization", "x-request-id", "user-agent"]) {
    const value = outer.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (call.body !== undefined) headers.set("content-type", "application/json");
  return new Request(url, {
    method: call.method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
}
