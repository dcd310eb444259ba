/**
 * The prose of the graph benchmark's report: how the graph was made and loaded, and how each
 * side was driven, statement by statement, so a reader can check that the comparison is fair.
 */
import { byDegree } from "./data.ts";
import { SUBGRAPH } from "./cases.ts";
import type { GraphReportInput } from "./results.ts";
import { formatInt } from "../harness/markdown.ts";

export function dataParagraph({ data, database }: GraphReportInput): string {
  const degrees = byDegree(data.degrees).map((n) => data.degrees[n]);
  const leaves = degrees.filter((d) => d === 1).length;
  const awkward = data.entities.filter((e) => /['"\\$%_]/.test(e.name.replace(/ \d+$/, "")));
  return [
    `Degrees: the most connected entity has ${formatInt(degrees[0])} relations, the 20th`,
    `${formatInt(degrees[19])}, the median ${degrees[degrees.length >> 1]};`,
    `${formatInt(leaves)} entities have one. Made from a seed: a tree grown by preferential`,
    "attachment (every entity joins one already there, chosen in proportion to its degree), then",
    "the remaining relations between endpoints drawn 10% uniformly, 30% from a Zipf law (exponent",
    "0.9) over a fixed ranking and 60% in proportion to degree; no self-loops, no pair twice.",
    'Names: two words and a kind plus a number ("Harbor Quantum Clinic 1");',
    `${awkward.length} of them also carry ' " \\ $ % or _ (e.g. \`${awkward[0]?.name}\`), which`,
    "both sides must quote. Descriptions of 100–200 characters, one to three chunk ids per entity",
    "(one or two per relation), a file path, keywords and a weight per relation. pgrag was loaded",
    "through upsert_entities and upsert_relations, 1,000 per call, in",
    `${database.load.pgragSeconds.toFixed(0)} s; AGE by inserting the same rows straight into its`,
    "label tables with the properties LightRAG's merge writes, plus LightRAG's indexes, in",
    `${database.load.ageSeconds.toFixed(0)} s (not a LightRAG path: see the upserts for that). The`,
    `loaded database was ${database.reused ? "reused from an earlier run (--keep)" : "built in"}`,
    `${database.reused ? "and" : "this run, and"} each run measures on fresh copies of it.`,
  ].join(" ");
}

export function measurementNotes({ options }: GraphReportInput): string[] {
  const { maxDepth, maxNodes } = SUBGRAPH;
  return [
    "Latency is the client's wall time for one operation on loopback, sides taking turns sample " +
    "by sample (each sample starting with the next side). Hub samples are drawn from the 20 most " +
    "connected entities, typical ones uniformly from all, leaves from the entities with one " +
    "relation; label queries are a word of the names, its first four letters, or two words.",
    "pgrag: `begin; select set_config('role', 'pgrag_api', true), set_config('pgrag.tenant_id', " +
    "…, true); select pgrag.<function>(…); commit;` with row level security in force and no " +
    "prepared statements, as pgrag's API runs it: entity_relations(name), subgraph(name, " +
    `${maxDepth}, ${maxNodes}), graph_labels(query, 50), graph_labels(null, 300), ` +
    "upsert_relations(<1,000 relations as JSON>, null).",
    "AGE as LightRAG (lightrag/kg/postgres_impl.py, PGGraphStorage, read at commit 0096bb0): " +
    'every storage call first runs `SET search_path = ag_catalog, "$user", public` and ' +
    "`select create_graph('bench')` (which fails, the graph existing; LightRAG ignores the " +
    "error), as its PostgreSQLDB.query/execute do with with_age; one connection, no prepared " +
    "statements (asyncpg would prepare each new Cypher text, one more round trip).",
    "get_node_edges: `MATCH (n:base {entity_id: $entity_id}) OPTIONAL MATCH (n)-[]-(connected:base) " +
    "RETURN n.entity_id, connected.entity_id` with the name bound as an agtype parameter. It " +
    'returns names only; the rows "with properties" add get_edges_batch over those pairs, ' +
    "what LightRAG's query stage does to read the relations (per 500 pairs: `UNWIND $pairs AS p " +
    "… MATCH (a:base {entity_id: src_eid}) MATCH (b:base {entity_id: tgt_eid}) MATCH " +
    "(a)-[r]->(b) RETURN … properties(r)` and the same with `<-[r]-`, two storage calls).",
    `Subgraph: get_knowledge_graph(name, ${maxDepth}, ${maxNodes}) → _bfs_subgraph: \`MATCH ` +
    '(n:base {entity_id: "<name>"}) RETURN id(n), n`, then per BFS level two storage calls, ' +
    '`UNWIND ["<name>", …] AS node_id MATCH (n:base {entity_id: node_id}) OPTIONAL MATCH ' +
    "(n)-[r]->(neighbor:base) RETURN …` and the same with `<-[r]-`, names written into the text " +
    "with backslashes and double quotes escaped; the visited sets and the truncation are kept " +
    "in the client as LightRAG keeps them. Both sides keep at most max_nodes nodes, but choose " +
    "which differently when a level does not fit: pgrag its best connected entities, LightRAG " +
    "whichever rows AGE returns first; so node counts agree, edge counts need not.",
    "Label search: search_labels(query, 50), SQL over bench._ag_label_vertex: `lower(entity_id) " +
    "ILIKE '%query%'` scored by exact / prefix / word-start match and length. Most connected: " +
    "get_popular_labels(300), SQL counting every edge of bench._ag_label_edge by endpoint. " +
    "pgrag's graph_labels also matches names holding a word similar to the query (pg_trgm word " +
    "similarity ≥ 0.3), so it may return more names than the substring search.",
    "Upserts, per relation, LightRAG's merge stage (operate.py, _merge_edges_then_upsert): " +
    "has_edge (SQL), get_edge when it exists (get_edges_batch of one pair: two Cypher calls), " +
    "has_node for each endpoint (SQL) and upsert_node for a missing one (`MERGE (n:base " +
    "{entity_id: $entity_id}) SET n += {<properties>} RETURN n`), then upsert_edge: in one " +
    "transaction `select pg_advisory_xact_lock(hashtextextended(<graph, pair>, 0))` and " +
    "`MATCH (source:base {entity_id: $src_id}) WITH source MATCH (target:base {entity_id: " +
    "$tgt_id}) WITH source, target OPTIONAL MATCH (source)-[old:DIRECTED]-(target) DELETE old " +
    "WITH source, target CREATE (source)-[r:DIRECTED {<properties>}]->(target) RETURN r`. " +
    "(Older LightRAG releases used `MERGE (source)-[r:DIRECTED]-(target) SET r += {…}`, which " +
    "AGE 1.5 does not persist on edges.) Batches rotate which side goes first; each AGE side " +
    `runs ${options.ageUpserts === options.upserts ? "every relation" : "a sample"} of each ` +
    "batch, on its own copy of the graph.",
    "Tuned AGE: the same storage calls without LightRAG's two session statements and with jit " +
    "off for the session. With the server's default jit = on, AGE's row estimates (an UNWIND " +
    "counts as 1,000 rows, each property match as 50) put even one-row Cypher queries such as " +
    "get_edges_batch of one pair past jit_above_cost, and compiling them takes about 0.1 s, far " +
    "longer than running them. LightRAG does not change jit, so AGE as LightRAG keeps it.",
  ];
}
