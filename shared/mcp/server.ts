import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  SetLevelRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "@hono/zod-openapi";
import type { AccessLevel } from "../db/database.ts";
import { problemBody } from "../http/problem.ts";
import { validationProblem } from "../http/validation.ts";
import { VERSION } from "../version.ts";
import type { ApiCall, ToolDefinition } from "./tools.ts";

/** Sends one call to pgrag's own HTTP API, with the MCP request's credentials. */
export type ApiDispatch = (call: ApiCall) => Promise<Response>;

const LEVELS: readonly AccessLevel[] = ["reader", "writer", "admin"];

/**
 * The MCP server of one request. Stateless: built for each request and dropped after it, so
 * an edge function that keeps no memory between calls serves it, and any instance can answer
 * any request. Only the tools the credential's level allows are registered, so a reader key
 * neither lists nor calls a writer's tool.
 */
export function createMcpServer(
  tools: readonly ToolDefinition[],
  level: AccessLevel,
  dispatch: ApiDispatch,
  /** The MCP request's id, which problems of its own name as the routes' problems do. */
  requestId: string,
): Server {
  const visible = new Map(
    tools.filter((tool) => LEVELS.indexOf(tool.access) <= LEVELS.indexOf(level))
      .map((tool) => [tool.name, tool]),
  );
  const server = new Server(
    { name: "pgrag", title: "pgrag", version: VERSION },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: "Retrieval over this tenant's documents, chunks and knowledge graph.",
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...visible.values()].map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: inputJsonSchema(tool),
      annotations: { readOnlyHint: tool.access === "reader", openWorldHint: false },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request: CallToolRequest) => {
    const tool = visible.get(request.params.name);
    // A tool above the credential's level is as unknown as one that does not exist.
    if (!tool) {
      throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${request.params.name}`);
    }
    return runTool(tool, request.params.arguments ?? {}, dispatch, requestId);
  });
  // logging/setLevel: accepted and answered `{}`; a stateless server sends no log messages
  // after the request that set the level, so there is nothing to filter.
  server.setRequestHandler(SetLevelRequestSchema, () => ({}));
  return server;
}

/**
 * A tool's input as JSON Schema, from the route's zod schema as clients send it (`io: "input"`:
 * defaults are optional). Metadata is a checked free-form object, which JSON Schema says as an
 * object with any properties.
 */
function inputJsonSchema(tool: ToolDefinition) {
  return z.toJSONSchema(tool.input, {
    io: "input",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === "custom") {
        jsonSchema.type = "object";
        jsonSchema.additionalProperties = true;
      }
    },
  }) as { type: "object"; [key: string]: unknown };
}

/**
 * Runs a tool's route calls. A refused call (a 4xx or 5xx problem) becomes a tool error carrying
 * the problem's detail, which a model can read and act on; the problem itself is the structured
 * content, so a program sees the same code and fields the HTTP API would have answered.
 */
async function runTool(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  dispatch: ApiDispatch,
  requestId: string,
): Promise<CallToolResult> {
  // Checked with the route's own schema, then sent as given: the route checks it again and
  // turns it into what it stores, so the tool and the route cannot disagree on what is valid.
  const checked = tool.input.safeParse(args);
  if (!checked.success) {
    const problem = validationProblem(checked.error, "arguments");
    return problemResult(problem.status, problemBody(problem, requestId));
  }
  const answers: unknown[] = [];
  for (const call of tool.calls(args)) {
    const response = await dispatch(call);
    const body = await response.json().catch(() => null);
    if (!response.ok) return problemResult(response.status, body);
    answers.push(body);
  }
  const result = tool.combine ? tool.combine(answers) : answers[answers.length - 1];
  const structured = (result ?? {}) as Record<string, unknown>;
  return {
    content: [{ type: "text", text: JSON.stringify(structured, null, 2) }],
    structuredContent: structured,
  };
}

function problemResult(status: number, problem: unknown): CallToolResult {
  const details = (problem ?? { status }) as {
    title?: string;
    detail?: string;
    errors?: { path: string; message: string }[];
  };
  const lines = [
    details.detail ?? details.title ?? `the request failed with HTTP ${status}`,
    ...(details.errors ?? []).map((error) => `${error.path}: ${error.message}`),
  ];
  return {
    isError: true,
    content: [{ type: "text", text: lines.join("\n") }],
    structuredContent: details as Record<string, unknown>,
  };
}
