/**
 * Clustered unit vectors: uniformly random vectors (what ../ingest/synthetic-chunks.ts makes) are all
 * about equally far from each other, so "the 10 nearest" of a query would be an accident of the
 * noise and an index's recall on them would say nothing. Real embeddings cluster by topic, and
 * topics by field. Here field centres are random directions, topic centres lie around their
 * field's centre, and each chunk and query is a noisy copy of its topic's centre, so a query
 * has a real neighbourhood: its topic, then the other topics of its field, then the rest.
 */
import type { Random } from "../harness/seeded-random.ts";

/** Topic centre = field centre + this much noise: topics of a field have cosine ≈ 0.4. */
const TOPIC_SPREAD = 1.2;
/** Chunk = topic centre + this much noise: cosine ≈ 0.75 to its centre, ≈ 0.55 between chunks. */
export const CHUNK_NOISE = 0.9;
/** Query = topic centre + this much noise, so a query is near its topic but no chunk's copy. */
export const QUERY_NOISE = 0.6;

/** Standard normal numbers from uniform ones (Box–Muller, both values used). */
export function gaussian(random: Random): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/**
 * `centre` (or the origin) plus isotropic noise of expected length `noise`, scaled to length 1.
 * With a unit centre the result's cosine to it is about 1 / √(1 + noise²).
 */
export function noisyUnit(
  centre: Float32Array | null,
  noise: number,
  dimension: number,
  normal: () => number,
): Float32Array {
  const vector = new Float32Array(dimension);
  const scale = noise / Math.sqrt(dimension);
  let sumOfSquares = 0;
  for (let i = 0; i < dimension; i++) {
    const value = (centre?.[i] ?? 0) + scale * normal();
    vector[i] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares);
  for (let i = 0; i < dimension; i++) vector[i] /= norm;
  return vector;
}

/** Topic centres, `topicsPerField` consecutive topics sharing a field. */
export function topicCentres(
  topics: number,
  topicsPerField: number,
  dimension: number,
  random: Random,
): Float32Array[] {
  const normal = gaussian(random);
  const centres: Float32Array[] = [];
  let field: Float32Array | null = null;
  for (let topic = 0; topic < topics; topic++) {
    if (topic % topicsPerField === 0) field = noisyUnit(null, 1, dimension, normal);
    centres.push(noisyUnit(field, TOPIC_SPREAD, dimension, normal));
  }
  return centres;
}
