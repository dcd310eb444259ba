/**
 * Queries as a user of one tenant would send them: pick one of the tenant's chunks (among those
 * the filter keeps, when there are any), take a few words of its text, and pair them with a
 * noisy copy of its topic's centre, as if an embedding model had embedded the words. The same
 * seed gives the same queries on every run.
 */
import type postgres from "postgres";
import { vectorLiteral } from "../../shared/vector-text.ts";
import type { ChunkMetadata, SearchDataSet } from "./data.ts";
import { queryWords } from "./texts.ts";
import { gaussian, noisyUnit, QUERY_NOISE } from "./vectors.ts";
import { type Random, randomInt } from "../harness/seeded-random.ts";

export interface SearchQuery {
  readonly text: string;
  readonly embedding: Float32Array;
  /** pgvector's text form of the embedding, for the SQL paths. */
  readonly vector: string;
}

export async function makeQueries(
  sql: postgres.Sql,
  data: SearchDataSet,
  tenantId: string,
  metadataFilter: Partial<ChunkMetadata> | null,
  count: number,
  random: Random,
): Promise<SearchQuery[]> {
  let sources = await sql<{ content: string; metadata: ChunkMetadata }[]>`
    select content, metadata from pgrag.chunks
     where tenant_id = ${tenantId} and metadata @> ${sql.json(metadataFilter ?? {})}
     order by id`;
  // A small tenant may hold no chunk the filter keeps; its queries then expect no rows.
  if (sources.length === 0) {
    sources = await sql`
      select content, metadata from pgrag.chunks where tenant_id = ${tenantId} order by id`;
  }
  const normal = gaussian(random);
  return Array.from({ length: count }, () => {
    const source = sources[randomInt(random, 0, sources.length - 1)];
    const centre = data.centres[source.metadata.topic];
    const embedding = noisyUnit(centre, QUERY_NOISE, data.shape.dimension, normal);
    return {
      text: queryWords(source.content, random),
      embedding,
      vector: vectorLiteral(embedding),
    };
  });
}
