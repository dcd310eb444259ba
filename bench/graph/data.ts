/**
 * The benchmark's knowledge graph, generated from a seed: the same entities and relations on
 * every run and machine. Degrees follow a power law, as in graphs extracted from documents (a
 * few entities such as a company or a country appear in thousands of relations, most in one or
 * two): first a tree grown by preferential attachment, so every entity has a relation and many
 * stay leaves, then the remaining relations between endpoints drawn in proportion to their
 * degree. No self-loops, no pair twice. The upsert set and the measured samples come from their
 * own streams, so changing one never changes the graph.
 */
import { type Random, randomInt, seededRandom } from "../harness/seeded-random.ts";
import {
  chunkIds,
  entityDescription,
  entityName,
  entityType,
  filePath,
  labelQuery,
  relationDescription,
  relationKeywords,
} from "./texts.ts";

export const DATA_VERSION = 1;
const SEED = 20261120;
const STREAM = { entities: 1, topology: 2, relations: 3, upserts: 4, samples: 5 };
/**
 * How the later relations draw an endpoint: uniformly, from a Zipf law over a fixed ranking
 * (what makes the few very large hubs: attachment by degree alone tops out near √relations), or
 * else in proportion to the degree so far.
 */
const UNIFORM_SHARE = 0.1;
const ZIPF_SHARE = 0.3;
const ZIPF_EXPONENT = 0.9;

export interface Entity {
  readonly name: string;
  readonly entityType: string;
  readonly description: string;
  readonly sourceChunkIds: readonly string[];
  readonly filePath: string;
}

/** An undirected relation; source sorts before target (LightRAG sorts each pair's names). */
export interface Relation {
  readonly source: string;
  readonly target: string;
  readonly description: string;
  readonly keywords: string;
  readonly weight: number;
  readonly sourceChunkIds: readonly string[];
  readonly filePath: string;
}

export interface GraphData {
  readonly entities: readonly Entity[];
  readonly relations: readonly Relation[];
  /** Relations per entity, aligned with `entities`. */
  readonly degrees: Int32Array;
}

export function streamRandom(stream: keyof typeof STREAM): Random {
  return seededRandom(SEED * 16 + STREAM[stream]);
}

export function generateGraph(entityCount: number, relationCount: number): GraphData {
  const random = streamRandom("entities");
  const entities = Array.from({ length: entityCount }, (_, n) => makeEntity(random, n));
  const { pairs, degrees } = topology(entityCount, relationCount, streamRandom("topology"));
  const texts = streamRandom("relations");
  const relations = pairs.map(([a, b]) => makeRelation(texts, entities[a].name, entities[b].name));
  return { entities, relations, degrees };
}

function makeEntity(random: Random, n: number): Entity {
  const name = entityName(n);
  const type = entityType(random);
  return {
    name,
    entityType: type,
    description: entityDescription(random, name, type),
    sourceChunkIds: chunkIds(random),
    filePath: filePath(random),
  };
}

export function makeRelation(random: Random, a: string, b: string): Relation {
  const [source, target] = a < b ? [a, b] : [b, a];
  return {
    source,
    target,
    description: relationDescription(random, source, target),
    keywords: relationKeywords(random),
    weight: randomInt(random, 10, 100) / 10,
    sourceChunkIds: chunkIds(random, 2),
    filePath: filePath(random),
  };
}

/** Unordered pairs of entity numbers, and every entity's degree. */
function topology(count: number, relations: number, random: Random) {
  // Generation order is not name order: hubs get spread over the names and ids.
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = randomInt(random, 0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const zipf = zipfTable(count);
  const endpoints = new Int32Array(2 * relations);
  const degrees = new Int32Array(count);
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  const byDegreeSoFar = () => endpoints[randomInt(random, 0, 2 * pairs.length - 1)];
  const add = (a: number, b: number) => {
    const key = Math.min(a, b) * count + Math.max(a, b);
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    endpoints[2 * pairs.length] = a;
    endpoints[2 * pairs.length + 1] = b;
    degrees[a]++;
    degrees[b]++;
    pairs.push([a, b]);
    return true;
  };
  // The tree: each entity joins one already there, chosen by degree (the first uniformly).
  for (let i = 1; i < count; i++) {
    while (!add(order[i], i === 1 ? order[0] : byDegreeSoFar()));
  }
  const anyEnd = () => {
    const draw = random();
    if (draw < UNIFORM_SHARE) return randomInt(random, 0, count - 1);
    if (draw < UNIFORM_SHARE + ZIPF_SHARE) return order[zipfRank(zipf, random())];
    return byDegreeSoFar();
  };
  while (pairs.length < relations) add(anyEnd(), anyEnd());
  return { pairs, degrees };
}

/** Cumulative Zipf weights of ranks 0 … count - 1, normalised to end at 1. */
function zipfTable(count: number): Float64Array {
  const table = new Float64Array(count);
  let sum = 0;
  for (let rank = 0; rank < count; rank++) table[rank] = sum += (rank + 1) ** -ZIPF_EXPONENT;
  for (let rank = 0; rank < count; rank++) table[rank] /= sum;
  return table;
}

/** The rank whose cumulative weight first reaches `u`. */
function zipfRank(table: Float64Array, u: number): number {
  let low = 0;
  let high = table.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (table[middle] < u) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Entity numbers by degree, most connected first (then by number). */
export function byDegree(degrees: Int32Array): number[] {
  return Array.from(degrees.keys()).sort((a, b) => degrees[b] - degrees[a] || a - b);
}

export interface Samples {
  /** Among the 20 most connected entities. */
  readonly hubs: readonly string[];
  /** Entities drawn uniformly: a typical degree. */
  readonly typical: readonly string[];
  /** Entities with one relation. */
  readonly leaves: readonly string[];
  readonly labelQueries: readonly string[];
}

/** `count` of each kind of sample, seeded. */
export function pickSamples(data: GraphData, count: number): Samples {
  const random = streamRandom("samples");
  const ranked = byDegree(data.degrees);
  const leaves = ranked.filter((n) => data.degrees[n] === 1);
  const draw = (pool: readonly number[]) =>
    Array.from(
      { length: count },
      () => data.entities[pool[randomInt(random, 0, pool.length - 1)]].name,
    );
  return {
    hubs: draw(ranked.slice(0, 20)),
    typical: draw(Array.from(data.degrees.keys())),
    leaves: draw(leaves.length > 0 ? leaves : ranked.slice(-20)),
    labelQueries: Array.from({ length: count }, () => labelQuery(random)),
  };
}
