/**
 * LightRAG's subgraph on AGE (PGGraphStorage.get_knowledge_graph for one label, which runs its
 * _bfs_subgraph): a Cypher query for the start vertex, then per BFS level two Cypher queries,
 * outgoing and incoming edges, of every frontier vertex, whose names are written into the
 * query text as an UNWIND list. The client keeps the visited sets: a neighbour joins while
 * fewer than max_nodes vertices are kept and the level is above max_depth; past that an edge
 * to an unvisited vertex marks the result truncated. Every level up to max_depth is queried,
 * the last one only for the edges among kept vertices.
 */
import type { Subgraph } from "../pgrag.ts";
import { type AgeClient, cypherSql, cypherString } from "./client.ts";

interface Node {
  readonly id: string;
  readonly entityId: string;
}

const LEVEL_COLUMNS = "current_id text, current_internal_id bigint, " +
  "neighbor_internal_id bigint, neighbor_id text, edge_id bigint, r agtype, neighbor agtype, " +
  "is_outgoing bool";

/** The JSON of an agtype vertex or edge (`{…}::vertex`). */
function agtypeJson(text: string): { id: number; properties: Record<string, unknown> } {
  return JSON.parse(text.slice(0, text.lastIndexOf("::")));
}

function levelCypher(names: readonly string[], outgoing: boolean): string {
  const list = names.map((name) => `"${cypherString(name)}"`).join(", ");
  return `UNWIND [${list}] AS node_id
    MATCH (n:base {entity_id: node_id})
    OPTIONAL MATCH (n)${outgoing ? "-[r]->" : "<-[r]-"}(neighbor:base)
    RETURN node_id AS current_id, id(n) AS current_internal_id,
           id(neighbor) AS neighbor_internal_id, neighbor.entity_id AS neighbor_id,
           id(r) AS edge_id, r, neighbor, ${outgoing} AS is_outgoing`;
}

export async function ageSubgraph(
  age: AgeClient,
  label: string,
  maxDepth: number,
  maxNodes: number,
): Promise<Subgraph> {
  const startCypher = `MATCH (n:base {entity_id: "${cypherString(label)}"})
    RETURN id(n) as node_id, n`;
  const [start] = await age.call((sql) =>
    sql.unsafe(cypherSql(startCypher, "node_id bigint, n agtype", false))
  );
  if (!start?.n) return { nodes: 0, edges: 0, truncated: false };
  const vertex = agtypeJson(start.n);
  const first = { id: String(vertex.id), entityId: String(vertex.properties.entity_id) };

  const visited = new Set([first.id]);
  const edgeIds = new Set<string>();
  const edgePairs = new Set<string>();
  let edges = 0;
  let truncated = false;
  let frontier: Node[] = [first];
  for (let depth = 0; depth <= maxDepth && frontier.length > 0; depth++) {
    const names = frontier.map((node) => node.entityId);
    const records = [];
    for (const outgoing of [true, false]) {
      const cypher = levelCypher(names, outgoing);
      records.push(...await age.call((sql) => sql.unsafe(cypherSql(cypher, LEVEL_COLUMNS, false))));
    }
    const next: Node[] = [];
    for (const record of records) {
      if (!record.neighbor || !record.r || !record.neighbor_id) continue;
      const neighbor = agtypeJson(record.neighbor);
      agtypeJson(record.r); // LightRAG decodes the edge for its properties.
      const neighborId = String(record.neighbor_internal_id);
      const edgeId = String(record.edge_id);
      const pair = [record.current_id, record.neighbor_id].sort().join("\u0000");
      const addEdge = () => {
        if (edgeIds.has(edgeId) || edgePairs.has(pair)) return;
        edgeIds.add(edgeId);
        edgePairs.add(pair);
        edges++;
      };
      if (visited.has(neighborId)) {
        addEdge();
      } else if (visited.size < maxNodes && depth < maxDepth) {
        visited.add(neighborId);
        next.push({ id: neighborId, entityId: String(neighbor.properties.entity_id) });
        addEdge();
      } else if (depth < maxDepth) {
        truncated = true;
      }
    }
    frontier = next;
  }
  return { nodes: visited.size, edges, truncated };
}
