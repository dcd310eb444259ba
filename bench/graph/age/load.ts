/**
 * Fills the AGE graph with the generated entities and relations, fast and untimed as a
 * comparison: rows go straight into AGE's label tables (`bench.base`, `bench."DIRECTED"`,
 * whose ids AGE's own defaults assign), in LightRAG's layout and with the properties LightRAG's
 * merge would have written; then the indexes LightRAG's PGGraphStorage.initialize creates. A
 * LightRAG load would take hours through per-item Cypher (see the upsert timings).
 */
import type { GraphData } from "../data.ts";
import { type AgeClient, ENTITY_ID, GRAPH } from "./client.ts";
import { edgeProperties, nodeProperties } from "./storage.ts";

const ROWS_PER_INSERT = 5000;
/** One timestamp for every loaded row, so the graph is the same on every run. */
export const LOADED_AT = 1763596800;

/** LightRAG's index statements (it runs them CONCURRENTLY on an empty graph; same indexes). */
const LIGHTRAG_INDEXES = [
  `create index vertex_idx_node_id on ${GRAPH}."_ag_label_vertex"
     (ag_catalog.agtype_access_operator(properties, '"entity_id"'::agtype))`,
  `create index edge_sid_idx on ${GRAPH}."_ag_label_edge" (start_id)`,
  `create index edge_eid_idx on ${GRAPH}."_ag_label_edge" (end_id)`,
  `create index edge_seid_idx on ${GRAPH}."_ag_label_edge" (start_id, end_id)`,
  `create index directed_p_idx on ${GRAPH}."DIRECTED" (id)`,
  `create index directed_eid_idx on ${GRAPH}."DIRECTED" (end_id)`,
  `create index directed_sid_idx on ${GRAPH}."DIRECTED" (start_id)`,
  `create index directed_seid_idx on ${GRAPH}."DIRECTED" (start_id, end_id)`,
  `create index entity_p_idx on ${GRAPH}."base" (id)`,
  `create index entity_idx_node_id on ${GRAPH}."base"
     (ag_catalog.agtype_access_operator(properties, '"entity_id"'::agtype))`,
  `create index entity_node_id_gin_idx on ${GRAPH}."base" using gin (properties)`,
  `alter table ${GRAPH}."DIRECTED" cluster on directed_sid_idx`,
];

/** Creates the graph and its labels, loads it and indexes it; returns the seconds taken. */
export async function loadAgeGraph(age: AgeClient, data: GraphData): Promise<number> {
  const started = performance.now();
  const sql = age.sql;
  await sql`select create_graph(${GRAPH})`;
  await sql`select create_vlabel(${GRAPH}, 'base')`;
  await sql`select create_elabel(${GRAPH}, 'DIRECTED')`;
  for (let i = 0; i < data.entities.length; i += ROWS_PER_INSERT) {
    const rows = data.entities.slice(i, i + ROWS_PER_INSERT).map((e) =>
      nodeProperties(e, LOADED_AT)
    );
    await sql.unsafe(
      `insert into ${GRAPH}.base (properties)
       select (value::text)::agtype from json_array_elements($1::text::json)`,
      [JSON.stringify(rows)],
    );
  }
  const ids = new Map<string, string>();
  const vertices = await sql.unsafe(`select id::text as id, (${ENTITY_ID})::text as name
                                       from ${GRAPH}.base`);
  for (const row of vertices) ids.set(row.name, row.id);
  for (let i = 0; i < data.relations.length; i += ROWS_PER_INSERT) {
    const rows = data.relations.slice(i, i + ROWS_PER_INSERT).map((r) => ({
      start: ids.get(r.source),
      end: ids.get(r.target),
      properties: edgeProperties(r, LOADED_AT),
    }));
    await sql.unsafe(
      `insert into ${GRAPH}."DIRECTED" (start_id, end_id, properties)
       select (e ->> 'start')::graphid, (e ->> 'end')::graphid, ((e -> 'properties')::text)::agtype
         from json_array_elements($1::text::json) e`,
      [JSON.stringify(rows)],
    );
  }
  for (const statement of LIGHTRAG_INDEXES) await sql.unsafe(statement);
  await sql.unsafe(`vacuum analyze ${GRAPH}.base, ${GRAPH}."DIRECTED"`);
  return (performance.now() - started) / 1000;
}
