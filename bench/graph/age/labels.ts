/**
 * LightRAG's label queries on AGE (PGGraphStorage.search_labels and get_popular_labels): plain
 * SQL over AGE's parent vertex and edge tables, one storage call each.
 */
import { type AgeClient, ENTITY_ID, GRAPH } from "./client.ts";

/**
 * search_labels: every vertex whose entity_id contains the query in any case, scored (exact
 * 1000, prefix 500, else 100 - length; +50 after a space or an underscore), best `limit`.
 */
export function searchLabels(age: AgeClient, query: string, limit: number): Promise<string[]> {
  const q = query.toLowerCase().trim();
  if (q === "") return Promise.resolve([]);
  return age.call(async (sql) => {
    const rows = await sql.unsafe(
      `with ranked_labels as (
         select (${ENTITY_ID})::text as label, lower((${ENTITY_ID})::text) as label_lower
           from ${GRAPH}._ag_label_vertex
          where ${ENTITY_ID} is not null and lower((${ENTITY_ID})::text) ilike $1)
       select label
         from (select label,
                      case when label_lower = $2 then 1000
                           when label_lower like $3 then 500
                           else (100 - length(label)) end
                      + case when label_lower like $4 or label_lower like $5 then 50
                             else 0 end as score
                 from ranked_labels) as scored_labels
        order by score desc, label asc
        limit $6`,
      [`%${q}%`, q, `${q}%`, `% ${q}%`, `%_${q}%`, limit],
    );
    return rows.map((row) => row.label as string);
  });
}

/** get_popular_labels: entity_ids by degree counted over every edge, most connected first. */
export function popularLabels(age: AgeClient, limit: number): Promise<string[]> {
  return age.call(async (sql) => {
    const rows = await sql.unsafe(
      `with node_degrees as (
         select node_id, count(*) as degree
           from (select start_id as node_id from ${GRAPH}._ag_label_edge
                 union all
                 select end_id as node_id from ${GRAPH}._ag_label_edge) as all_edges
          group by node_id)
       select (${ENTITY_ID.replace("properties", "v.properties")})::text as label
         from node_degrees d
         join ${GRAPH}._ag_label_vertex v on d.node_id = v.id
        where ${ENTITY_ID.replace("properties", "v.properties")} is not null
        order by d.degree desc, label asc
        limit $1`,
      [limit],
    );
    return rows.map((row) => row.label as string);
  });
}
