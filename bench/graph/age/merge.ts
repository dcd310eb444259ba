/**
 * One relation upserted into AGE the way LightRAG's merge stage does it (operate.py,
 * _merge_edges_then_upsert), storage call by storage call: has_edge, and get_edge when it
 * exists, to merge with what is stored (weights added, descriptions, keywords, chunk ids and file
 * paths united); has_node for both endpoints and upsert_node for a missing one; upsert_edge.
 * pgrag's upsert_relations does the same work set-based: it merges with the stored row and
 * creates missing endpoints. The description summary by an LLM, which LightRAG asks for once
 * a relation has many descriptions, is left out: it is not storage work.
 */
import type { Relation } from "../data.ts";
import { FIELD_SEPARATOR } from "./client.ts";
import type { LightragAgeStorage, Properties } from "./storage.ts";

const split = (value: unknown) =>
  typeof value === "string" && value !== "" ? value.split(FIELD_SEPARATOR) : [];

/** Runs the storage calls; returns how many endpoints had to be created. */
export async function mergeRelation(
  storage: LightragAgeStorage,
  relation: Relation,
  createdAt: number,
): Promise<number> {
  const { source, target } = relation;
  const stored = await storage.hasEdge(source, target)
    ? await storage.getEdge(source, target)
    : null;
  const weight = relation.weight + Number(stored?.weight ?? 0);
  const descriptions = new Set([relation.description, ...(stored ? [stored.description] : [])]);
  const keywords = new Set<string>();
  for (const text of [...split(stored?.keywords), relation.keywords]) {
    for (const keyword of text.split(",")) if (keyword.trim()) keywords.add(keyword.trim());
  }
  const sources = [
    ...new Set([
      ...split(stored?.source_chunk_ids ?? stored?.source_id),
      ...relation.sourceChunkIds,
    ]),
  ].join(FIELD_SEPARATOR);
  const filePaths = [...new Set([relation.filePath, ...split(stored?.file_path)])]
    .join(FIELD_SEPARATOR);
  const description = [...descriptions].map(String).sort().join(FIELD_SEPARATOR);

  let created = 0;
  for (const end of [source, target]) {
    if (await storage.hasNode(end)) continue;
    const node: Properties = {
      entity_id: end,
      source_id: sources,
      source_chunk_ids: sources,
      description,
      entity_type: "UNKNOWN",
      file_path: filePaths,
      created_at: createdAt,
    };
    await storage.upsertNode(end, node);
    created++;
  }
  await storage.upsertEdge(source, target, {
    weight,
    description,
    keywords: [...keywords].sort().join(","),
    source_id: sources,
    source_chunk_ids: sources,
    file_path: filePaths,
    created_at: createdAt,
  });
  return created;
}
