/**
 * The read operations compared, each with its samples and its three sides: pgrag's function,
 * AGE as LightRAG drives it (every storage call behind its session preludes, the server's jit),
 * and tuned AGE (the same statements without the preludes, jit off).
 */
import type { Samples } from "./data.ts";
import type { PgragGraph } from "./pgrag.ts";
import type { LightragAgeStorage } from "./age/storage.ts";
import { ageSubgraph } from "./age/bfs.ts";
import { popularLabels, searchLabels } from "./age/labels.ts";
import type { Outcome, Side } from "./measure.ts";

export const SUBGRAPH = { maxDepth: 3, maxNodes: 1000 };
export const LABEL_LIMIT = 50;
export const POPULAR_LIMIT = 300;

export interface ReadCase {
  readonly id: string;
  readonly label: string;
  /** What the AGE side runs, for the report. */
  readonly ageCalls: string;
  readonly samples: readonly string[];
  readonly pgrag: Side;
  /** AGE as LightRAG, then tuned. */
  readonly age: readonly [Side, Side];
}

type AgeCall = (storage: LightragAgeStorage, sample: string) => Promise<Outcome>;

function ageSides(storages: readonly [LightragAgeStorage, LightragAgeStorage], call: AgeCall) {
  return storages.map((storage) => ({
    label: storage.age.label,
    call: (sample: string) => call(storage, sample),
  })) as unknown as [Side, Side];
}

const pgragSide = (call: (sample: string) => Promise<Outcome>): Side => ({ label: "pgrag", call });

export function readCases(
  pgrag: PgragGraph,
  storages: readonly [LightragAgeStorage, LightragAgeStorage],
  samples: Samples,
): ReadCase[] {
  const relations = pgragSide(async (name) => ({ rows: await pgrag.entityRelations(name) }));
  const nodeEdges: AgeCall = async (storage, name) => ({
    rows: (await storage.getNodeEdges(name)).length,
  });
  const withProperties: AgeCall = async (storage, name) => {
    const pairs = await storage.getNodeEdges(name);
    return { rows: (await storage.getEdgesBatch(pairs)).size };
  };
  const subgraph = pgragSide(async (name) => {
    const graph = await pgrag.subgraph(name, SUBGRAPH.maxDepth, SUBGRAPH.maxNodes);
    return { rows: graph.nodes, edges: graph.edges, truncated: graph.truncated };
  });
  const bfs: AgeCall = async (storage, name) => {
    const graph = await ageSubgraph(storage.age, name, SUBGRAPH.maxDepth, SUBGRAPH.maxNodes);
    return { rows: graph.nodes, edges: graph.edges, truncated: graph.truncated };
  };
  const edgesCalls = "get_node_edges (names of the neighbours only)";
  const propertiesCalls = "get_node_edges + get_edges_batch (the relations' properties)";
  return [
    {
      id: "relations-hub",
      label: "an entity's relations, hubs",
      ageCalls: edgesCalls,
      samples: samples.hubs,
      pgrag: relations,
      age: ageSides(storages, nodeEdges),
    },
    {
      id: "relations-hub-properties",
      label: "an entity's relations with properties, hubs",
      ageCalls: propertiesCalls,
      samples: samples.hubs,
      pgrag: relations,
      age: ageSides(storages, withProperties),
    },
    {
      id: "relations-typical",
      label: "an entity's relations, typical entities",
      ageCalls: edgesCalls,
      samples: samples.typical,
      pgrag: relations,
      age: ageSides(storages, nodeEdges),
    },
    {
      id: "relations-typical-properties",
      label: "an entity's relations with properties, typical entities",
      ageCalls: propertiesCalls,
      samples: samples.typical,
      pgrag: relations,
      age: ageSides(storages, withProperties),
    },
    {
      id: "subgraph-hub",
      label: "subgraph depth 3, max 1000 nodes, from a hub",
      ageCalls: "get_knowledge_graph → _bfs_subgraph",
      samples: samples.hubs,
      pgrag: subgraph,
      age: ageSides(storages, bfs),
    },
    {
      id: "subgraph-leaf",
      label: "subgraph depth 3, max 1000 nodes, from a leaf",
      ageCalls: "get_knowledge_graph → _bfs_subgraph",
      samples: samples.leaves,
      pgrag: subgraph,
      age: ageSides(storages, bfs),
    },
    {
      id: "label-search",
      label: `label search, top ${LABEL_LIMIT}`,
      ageCalls: "search_labels",
      samples: samples.labelQueries,
      pgrag: pgragSide(async (q) => ({ rows: (await pgrag.graphLabels(q, LABEL_LIMIT)).length })),
      age: ageSides(storages, async (storage, q) => ({
        rows: (await searchLabels(storage.age, q, LABEL_LIMIT)).length,
      })),
    },
    {
      id: "popular-labels",
      label: `most connected labels, top ${POPULAR_LIMIT}`,
      ageCalls: "get_popular_labels",
      samples: samples.labelQueries.map(() => ""),
      pgrag: pgragSide(async () => ({
        rows: (await pgrag.graphLabels(null, POPULAR_LIMIT)).length,
      })),
      age: ageSides(storages, async (storage) => ({
        rows: (await popularLabels(storage.age, POPULAR_LIMIT)).length,
      })),
    },
  ];
}
