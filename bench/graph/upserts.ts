/**
 * The relations the upsert measurement writes, as a document's extraction would bring them: half
 * pairs already in the graph (new description and chunk, to be merged with the stored ones),
 * the other half new pairs, four in five between known entities (drawn in proportion to their
 * degree, as extraction keeps meeting the hubs) and one in five with an endpoint the graph has
 * never seen. Seeded; no pair twice in the whole set, so batches never repeat a pair.
 */
import { type GraphData, makeRelation, type Relation, streamRandom } from "./data.ts";
import { entityName } from "./texts.ts";
import { randomInt } from "../harness/seeded-random.ts";

export interface UpsertSet {
  readonly relations: readonly Relation[];
  readonly existingPairs: number;
  readonly newPairs: number;
  /** Entities the set names that the graph does not hold. */
  readonly newEntities: number;
}

export function makeUpsertSet(data: GraphData, count: number): UpsertSet {
  const random = streamRandom("upserts");
  const names = data.entities.map((e) => e.name);
  const key = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
  const taken = new Set(data.relations.map((r) => key(r.source, r.target)));
  const relations: Relation[] = [];

  const existingPairs = Math.floor(count / 2);
  const chosen = new Set<number>();
  while (chosen.size < existingPairs) chosen.add(randomInt(random, 0, data.relations.length - 1));
  for (const index of chosen) {
    const stored = data.relations[index];
    relations.push(makeRelation(random, stored.source, stored.target));
  }

  // Endpoints by degree: every relation lists its two ends once.
  const ends = data.relations.flatMap((r) => [r.source, r.target]);
  const byDegree = () => ends[randomInt(random, 0, ends.length - 1)];
  const newPairs = count - existingPairs;
  const withNewEntity = Math.floor(newPairs / 5);
  let newEntities = 0;
  while (relations.length < count) {
    const fresh = relations.length - existingPairs < withNewEntity;
    const a = fresh ? entityName(names.length + newEntities) : byDegree();
    const b = byDegree();
    if (a === b || taken.has(key(a, b))) continue;
    taken.add(key(a, b));
    if (fresh) newEntities++;
    relations.push(makeRelation(random, a, b));
  }
  // Shuffled, so every batch holds the same mix.
  for (let i = relations.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i);
    [relations[i], relations[j]] = [relations[j], relations[i]];
  }
  return { relations, existingPairs, newPairs, newEntities };
}
