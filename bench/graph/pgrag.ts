/**
 * pgrag's side of the graph benchmark: its SQL functions, each call in one transaction in the
 * tenant's context with row level security in force, as pgrag's API runs them (the same pattern
 * as the search benchmark's pgragSql). The connection has no prepared statements, as pgrag's
 * server: a generic plan would ignore which tenant it is for.
 */
import type postgres from "postgres";
import { entityParameters, relationParameters } from "../../shared/batches/graph.ts";
import { inTenant } from "../harness/tenant-transaction.ts";
import type { Entity, Relation } from "./data.ts";

export interface Subgraph {
  readonly nodes: number;
  readonly edges: number;
  readonly truncated: boolean;
}

export class PgragGraph {
  constructor(private readonly sql: postgres.Sql, private readonly tenantId: string) {}

  /** Runs `body` as pgrag_api for the tenant, in one transaction. */
  private inTenant<T>(body: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
    return inTenant(this.sql, this.tenantId, body);
  }

  /** The batch as `POST /graph/entities` writes it: the product's shaping, then its function. */
  async upsertEntities(entities: readonly Entity[]): Promise<number> {
    const { params: [json, embeddings] } = entityParameters(entities.map((e) => ({
      name: e.name,
      type: e.entityType,
      description: e.description,
      source_chunk_ids: [...e.sourceChunkIds],
      file_path: e.filePath,
      properties: {},
    })));
    const [row] = await this.inTenant((tx) =>
      tx<{ written: number }[]>`
        select pgrag.upsert_entities(${json}::text::json, ${embeddings}::text) as written`
    );
    return row.written;
  }

  /** The batch as `POST /graph/relations` writes it: the product's shaping, then its function. */
  async upsertRelations(relations: readonly Relation[]): Promise<number> {
    const { params: [json, embeddings] } = relationParameters(relations.map((r) => ({
      source: r.source,
      target: r.target,
      description: r.description,
      keywords: r.keywords,
      weight: r.weight,
      source_chunk_ids: [...r.sourceChunkIds],
      file_path: r.filePath,
      properties: {},
    })));
    const [row] = await this.inTenant((tx) =>
      tx<{ written: number }[]>`
        select pgrag.upsert_relations(${json}::text::json, ${embeddings}::text) as written`
    );
    return row.written;
  }

  /** The entity's relations with their properties; how many. */
  async entityRelations(name: string): Promise<number> {
    const [row] = await this.inTenant((tx) =>
      tx<{ relations: unknown[] | null }[]>`
        select pgrag.entity_relations(${name}) as relations`
    );
    if (row.relations === null) throw new Error(`pgrag has no entity ${name}`);
    return row.relations.length;
  }

  async subgraph(label: string, maxDepth: number, maxNodes: number): Promise<Subgraph> {
    const [row] = await this.inTenant((tx) =>
      tx<{ graph: { nodes: unknown[]; edges: unknown[]; is_truncated: boolean } }[]>`
        select pgrag.subgraph(${label}, ${maxDepth}::integer, ${maxNodes}::integer) as graph`
    );
    const { nodes, edges, is_truncated } = row.graph;
    return { nodes: nodes.length, edges: edges.length, truncated: is_truncated };
  }

  /** Label search when `query` is given, else the most connected labels; the names. */
  async graphLabels(query: string | null, maxCount: number): Promise<string[]> {
    const [row] = await this.inTenant((tx) =>
      tx<{ labels: { name: string }[] }[]>`
        select pgrag.graph_labels(${query}::text, ${maxCount}::integer) as labels`
    );
    return row.labels.map((label) => label.name);
  }
}
