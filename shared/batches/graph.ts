/**
 * Graph upserts as `pgrag.upsert_entities` / `pgrag.upsert_relations` take them: one row per
 * entity name or per unordered pair, as JSON, with the embeddings apart as one space-separated
 * text. An item repeated within a batch is merged into the earlier one the way the database
 * merges it into a stored row (a single INSERT ... ON CONFLICT cannot touch a row twice).
 */
import { embeddingsApart } from "./documents-and-chunks.ts";

/** The fields both entities and relations carry, merged alike. */
interface GraphFields {
  description?: string | null;
  source_chunk_ids?: string[];
  file_path?: string | null;
  /** pgvector text. */
  embedding?: string;
  properties?: Record<string, unknown>;
}

export interface EntityInput extends GraphFields {
  name: string;
  type?: string | null;
}

export interface RelationInput extends GraphFields {
  source: string;
  target: string;
  keywords?: string | null;
  weight?: number | null;
}

/** `later` applied to `earlier`: values given replace, chunk ids unite, properties merge. */
function merge<T extends GraphFields>(earlier: T, later: T): T {
  const merged = { ...earlier } as Record<string, unknown>;
  for (const [key, value] of Object.entries(later)) {
    if (value !== undefined && value !== null) merged[key] = value;
  }
  merged.source_chunk_ids = [
    ...new Set([...(earlier.source_chunk_ids ?? []), ...(later.source_chunk_ids ?? [])]),
  ];
  merged.properties = { ...earlier.properties, ...later.properties };
  return merged as T;
}

function mergeByKey<T extends GraphFields>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const earlier = byKey.get(k);
    byKey.set(k, earlier ? merge(earlier, item) : item);
  }
  return [...byKey.values()];
}

/** The parameters of `pgrag.upsert_entities`, and how many distinct entities they hold. */
export function entityParameters(entities: readonly EntityInput[]) {
  const rows = mergeByKey(entities, (entity) => entity.name)
    .map(({ type, ...rest }) => ({ ...rest, entity_type: type }));
  return { rows: rows.length, params: embeddingsApart(rows) };
}

/** The parameters of `pgrag.upsert_relations`, and how many distinct pairs they hold. */
export function relationParameters(relations: readonly RelationInput[]) {
  const rows = mergeByKey(
    relations,
    ({ source, target }) => JSON.stringify(source < target ? [source, target] : [target, source]),
  );
  return { rows: rows.length, params: embeddingsApart(rows) };
}
