/**
 * The statements LightRAG's PGGraphStorage (lightrag/kg/postgres_impl.py, read at commit
 * 0096bb0) sends to Apache AGE, one method per storage call, each behind the client's
 * per-call session preludes. Values are bound where LightRAG binds them and written into the
 * Cypher text where it writes them.
 */
import type { Entity, Relation } from "../data.ts";
import {
  type AgeClient,
  cypherMap,
  cypherSql,
  ENTITY_ID,
  FIELD_SEPARATOR,
  GRAPH,
} from "./client.ts";

export type Properties = Record<string, string | number>;

/** A node's properties as LightRAG's merge writes them. */
export function nodeProperties(e: Entity, createdAt: number): Properties {
  const sources = e.sourceChunkIds.join(FIELD_SEPARATOR);
  return {
    entity_id: e.name,
    entity_type: e.entityType,
    description: e.description,
    source_id: sources,
    source_chunk_ids: sources,
    file_path: e.filePath,
    created_at: createdAt,
  };
}

/** An edge's properties as LightRAG's merge writes them. */
export function edgeProperties(r: Relation, createdAt: number): Properties {
  const sources = r.sourceChunkIds.join(FIELD_SEPARATOR);
  return {
    weight: r.weight,
    description: r.description,
    keywords: r.keywords,
    source_id: sources,
    source_chunk_ids: sources,
    file_path: r.filePath,
    created_at: createdAt,
  };
}

const parameters = (values: Record<string, unknown>) => [JSON.stringify(values)];

export class LightragAgeStorage {
  constructor(readonly age: AgeClient) {}

  /** has_node: plain SQL over the vertex table. */
  hasNode(id: string): Promise<boolean> {
    return this.age.call(async (sql) => {
      const [row] = await sql.unsafe(
        `select exists (select 1 from ${GRAPH}.base
                         where ${ENTITY_ID} = (to_json($1::text)::text)::agtype limit 1)
                as node_exists`,
        [id],
      );
      return row.node_exists as boolean;
    });
  }

  /** has_edge: plain SQL, either direction. */
  hasEdge(source: string, target: string): Promise<boolean> {
    return this.age.call(async (sql) => {
      const [row] = await sql.unsafe(
        `with a as (select id as vid from ${GRAPH}.base
                     where ${ENTITY_ID} = (to_json($1::text)::text)::agtype),
              b as (select id as vid from ${GRAPH}.base
                     where ${ENTITY_ID} = (to_json($2::text)::text)::agtype)
         select exists (select 1 from ${GRAPH}."DIRECTED" d
                          join a on d.start_id = a.vid join b on d.end_id = b.vid limit 1)
             or exists (select 1 from ${GRAPH}."DIRECTED" d
                          join a on d.end_id = a.vid join b on d.start_id = b.vid limit 1)
                as edge_exists`,
        [source, target],
      );
      return row.edge_exists as boolean;
    });
  }

  /** get_edge: get_edges_batch of the one pair. */
  async getEdge(source: string, target: string): Promise<Properties | null> {
    return (await this.getEdgesBatch([[source, target]])).get(`${source}\u0000${target}`) ?? null;
  }

  /**
   * get_edges_batch: per 500 pairs a Cypher query for each direction, each a storage call of
   * its own. The properties found, by "source\0target" as asked.
   */
  async getEdgesBatch(pairs: readonly [string, string][]): Promise<Map<string, Properties>> {
    const found = new Map<string, Properties>();
    for (let i = 0; i < pairs.length; i += 500) {
      const batch = pairs.slice(i, i + 500).map(([src, tgt]) => ({ src, tgt }));
      for (const arrow of ["-[r]->", "<-[r]-"]) {
        const cypher = `UNWIND $pairs AS p
          WITH p.src AS src_eid, p.tgt AS tgt_eid
          MATCH (a:base {entity_id: src_eid})
          MATCH (b:base {entity_id: tgt_eid})
          MATCH (a)${arrow}(b)
          RETURN src_eid AS source, tgt_eid AS target, properties(r) AS edge_properties`;
        const rows = await this.age.call((sql) =>
          sql.unsafe(
            cypherSql(cypher, "source text, target text, edge_properties agtype", true),
            parameters({ pairs: batch }),
          )
        );
        for (const row of rows) {
          found.set(`${row.source}\u0000${row.target}`, JSON.parse(row.edge_properties));
        }
      }
    }
    return found;
  }

  /** get_node_edges: the (entity, neighbour) name pairs of an entity's edges. */
  getNodeEdges(id: string): Promise<[string, string][]> {
    const cypher = `MATCH (n:base {entity_id: $entity_id})
      OPTIONAL MATCH (n)-[]-(connected:base)
      RETURN n.entity_id AS source_id, connected.entity_id AS connected_id`;
    return this.age.call(async (sql) => {
      const rows = await sql.unsafe(
        cypherSql(cypher, "source_id text, connected_id text", true),
        parameters({ entity_id: id }),
      );
      return rows.filter((row) => row.source_id && row.connected_id)
        .map((row) => [row.source_id, row.connected_id] as [string, string]);
    });
  }

  /** upsert_node: MERGE on the bound entity_id, the other properties written into the text. */
  upsertNode(id: string, properties: Properties): Promise<void> {
    const { entity_id: _, ...rest } = properties;
    const cypher = `MERGE (n:base {entity_id: $entity_id})
      SET n += ${cypherMap(rest)}
      RETURN n`;
    return this.age.call(async (sql) => {
      await sql.unsafe(cypherSql(cypher, "n agtype", true), parameters({ entity_id: id }));
    });
  }

  /**
   * upsert_edge: in one transaction, an advisory lock on the unordered pair, then the old edge
   * (either direction) deleted and the new one created with its properties written into the
   * text (LightRAG's note: AGE 1.5 ignores `SET r += {…}` on edges).
   */
  upsertEdge(source: string, target: string, properties: Properties): Promise<void> {
    const cypher = `MATCH (source:base {entity_id: $src_id})
      WITH source
      MATCH (target:base {entity_id: $tgt_id})
      WITH source, target
      OPTIONAL MATCH (source)-[old:DIRECTED]-(target)
      DELETE old
      WITH source, target
      CREATE (source)-[r:DIRECTED ${cypherMap(properties)}]->(target)
      RETURN r`;
    return this.age.call(async (sql) => {
      await sql.begin(async (tx) => {
        await tx.unsafe(
          `select pg_advisory_xact_lock(hashtextextended(
             $1::text || E'\\x01' || least($2::text, $3::text) || E'\\x01' ||
             greatest($2::text, $3::text), 0))`,
          [GRAPH, source, target],
        );
        await tx.unsafe(
          cypherSql(cypher, "r agtype", true),
          parameters({ src_id: source, tgt_id: target }),
        );
      });
    });
  }
}
