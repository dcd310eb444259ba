import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import type { AccessLevel } from "../db/database.ts";
import { chunkSchemas } from "../schemas/chunks.ts";
import { documentSchemas } from "../schemas/documents.ts";
import { graphSchemas } from "../schemas/graph.ts";
import { searchSchemas } from "../schemas/search.ts";

/** One call of pgrag's HTTP API, relative to the base path. */
export interface ApiCall {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
}

/**
 * An MCP tool and the HTTP route (or routes) it stands for. A tool never reaches the database
 * itself: its calls go through the routes, so credentials, levels, limits, validation, budgets
 * and audit rows are the routes' own, with one home each.
 */
export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  /** The least credential level that sees and may call the tool. */
  access: AccessLevel;
  // deno-lint-ignore no-explicit-any
  input: z.ZodObject<any>;
  /** The route calls, in order; the tool's result is the last answer, or `combine` of them all. */
  calls(args: Record<string, unknown>): ApiCall[];
  combine?(answers: unknown[]): Record<string, unknown>;
}

const segment = encodeURIComponent;

/** The tools of contract §9 and a few more, with the routes' own zod schemas as inputs. */
export function toolDefinitions(config: Config): ToolDefinition[] {
  const documents = documentSchemas(config);
  const chunks = chunkSchemas(config);
  const graph = graphSchemas(config);
  const search = searchSchemas(config);
  return [
    {
      name: "search",
      title: "Search chunks",
      description:
        "Hybrid (keyword + vector), vector or keyword search over the tenant's chunks. " +
        "Give `query` for keyword search, `embedding` for vector search, both for hybrid.",
      access: "reader",
      input: search.Search,
      calls: (args) => [{ method: "POST", path: "/search", body: args }],
    },
    {
      name: "get_document",
      title: "Get a document",
      description: "One document by id, with its content, metadata and processing status.",
      access: "reader",
      input: documents.IdParam,
      calls: ({ id }) => [{ method: "GET", path: `/documents/${segment(String(id))}` }],
    },
    {
      name: "list_documents",
      title: "List documents",
      description: "Documents without their content, newest first, filtered by status, track id " +
        "or file path; pass `next_cursor` of an answer as `cursor` for the next page.",
      access: "reader",
      input: documents.ListQuery,
      calls: (args) => [{ method: "GET", path: "/documents", query: args }],
    },
    {
      name: "get_chunks",
      title: "Get chunks",
      description: "Chunks by id, in the order asked; a missing id gives null.",
      access: "reader",
      input: chunks.GetChunks,
      calls: (args) => [{ method: "POST", path: "/chunks/get", body: args }],
    },
    {
      name: "graph_subgraph",
      title: "Knowledge-graph neighbourhood",
      description: "The entities and relations around an entity up to `max_depth` hops, or the " +
        "most connected part of the graph for label `*`.",
      access: "reader",
      input: graph.SubgraphQuery,
      calls: (args) => [{ method: "GET", path: "/graph/subgraph", query: args }],
    },
    {
      name: "graph_entity",
      title: "Knowledge-graph entity",
      description: "One entity by name with its description, properties, degree and relations.",
      access: "reader",
      input: graph.NameParam,
      calls: ({ name }) => [
        { method: "GET", path: `/graph/entities/${segment(String(name))}` },
        { method: "GET", path: `/graph/entities/${segment(String(name))}/relations` },
      ],
      combine: ([entity, relations]) => ({
        ...(entity as Record<string, unknown>),
        relations: (relations as { items: unknown[] }).items,
      }),
    },
    {
      name: "upsert_documents",
      title: "Store documents",
      description: "Stores documents (upsert by id); the server chunks each one unless chunks " +
        "are given. All or nothing. Needs a writer credential.",
      access: "writer",
      input: documents.UpsertDocuments,
      calls: (args) => [{ method: "POST", path: "/documents", body: args }],
    },
  ];
}
