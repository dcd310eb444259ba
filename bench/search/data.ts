/**
 * The search benchmark's data set, fully determined by its shape and the SciFact corpus: tenants
 * of skewed sizes (tenant-plan.ts), one topic per 100 chunks with a SciFact abstract for text
 * (texts.ts) and a clustered vector centre (vectors.ts), and documents of 10
 * chunks, each document about one of its tenant's topics. Every part draws from its own seeded
 * stream, so the centres can be rebuilt for the queries without generating the chunks again.
 */
import type { CorpusDocument } from "../harness/scifact-files.ts";
import { type Random, randomInt, seededRandom } from "../harness/seeded-random.ts";
import { planTenants, type TenantPlan, tenantSizes } from "./tenant-plan.ts";
import { chunkText, pickTopics, type Topic } from "./texts.ts";
import { CHUNK_NOISE, gaussian, noisyUnit, topicCentres } from "./vectors.ts";

/** Stored with the loaded database: change it whenever the generated data changes. */
export const DATA_VERSION = "search-data-v2";

export interface SearchDataShape {
  readonly chunks: number;
  readonly tenants: number;
  /** The largest tenant's share of the chunks. */
  readonly largestShare: number;
  readonly chunksPerTopic: number;
  readonly topicsPerField: number;
  readonly chunksPerDocument: number;
  /** Metadata `bucket` is the chunk's number modulo this: a filter on one bucket keeps 1%. */
  readonly buckets: number;
  readonly dimension: number;
  readonly seed: number;
}

export interface SearchDataSet {
  readonly shape: SearchDataShape;
  readonly tenants: readonly TenantPlan[];
  readonly topics: readonly Topic[];
  /** The vector centre of each topic. */
  readonly centres: readonly Float32Array[];
}

export interface ChunkMetadata {
  readonly bucket: number;
  readonly topic: number;
}

export interface GeneratedChunk {
  readonly id: string;
  readonly index: number;
  readonly content: string;
  readonly tokens: number;
  readonly metadata: ChunkMetadata;
  readonly embedding: Float32Array;
}

export interface GeneratedDocument {
  readonly tenantId: string;
  readonly id: string;
  readonly title: string;
  readonly content: string;
  readonly chunks: readonly GeneratedChunk[];
}

/** Streams of the seed, one per part of the data set. */
const STREAM = { tenants: 1, topics: 2, centres: 3, documents: 4 } as const;

export function streamRandom(seed: number, stream: number): Random {
  return seededRandom(seed * 16 + stream);
}

/** `c000042`: the chunk's number, which also names its row in the seed's table. */
export function chunkId(number: number): string {
  return `c${String(number).padStart(6, "0")}`;
}

export function planDataSet(
  shape: SearchDataShape,
  corpus: readonly CorpusDocument[],
): SearchDataSet {
  const topicCount = Math.max(1, Math.round(shape.chunks / shape.chunksPerTopic));
  const sizes = tenantSizes(
    shape.chunks,
    shape.tenants,
    shape.largestShare,
    shape.chunksPerDocument,
  );
  return {
    shape,
    tenants: planTenants(sizes, topicCount, streamRandom(shape.seed, STREAM.tenants)),
    topics: pickTopics(corpus, topicCount, streamRandom(shape.seed, STREAM.topics)),
    centres: topicCentres(
      topicCount,
      shape.topicsPerField,
      shape.dimension,
      streamRandom(shape.seed, STREAM.centres),
    ),
  };
}

/** The topics sharing `topic`'s field, itself included. */
export function fieldOf(data: SearchDataSet, topic: number): readonly Topic[] {
  const first = topic - (topic % data.shape.topicsPerField);
  return data.topics.slice(first, first + data.shape.topicsPerField);
}

/** All documents, tenant after tenant; chunks are numbered from 0 across the whole set. */
export function* generateDocuments(data: SearchDataSet): Generator<GeneratedDocument> {
  const { shape } = data;
  const random = streamRandom(shape.seed, STREAM.documents);
  const normal = gaussian(random);
  let chunkNumber = 0;
  let documentNumber = 0;
  for (const tenant of data.tenants) {
    for (let written = 0; written < tenant.chunks; written += shape.chunksPerDocument) {
      const topic = tenant.topics[randomInt(random, 0, tenant.topics.length - 1)];
      const field = fieldOf(data, topic);
      const chunks: GeneratedChunk[] = [];
      for (let index = 0; index < shape.chunksPerDocument; index++, chunkNumber++) {
        const content = chunkText(data.topics[topic], field, random);
        chunks.push({
          id: chunkId(chunkNumber),
          index,
          content,
          tokens: Math.round(content.split(" ").length * 1.3),
          metadata: { bucket: chunkNumber % shape.buckets, topic },
          embedding: noisyUnit(data.centres[topic], CHUNK_NOISE, shape.dimension, normal),
        });
      }
      yield {
        tenantId: tenant.id,
        id: `d${String(documentNumber++).padStart(5, "0")}`,
        title: data.topics[topic].title,
        content: chunks.map((chunk) => chunk.content).join("\n\n"),
        chunks,
      };
    }
  }
}
