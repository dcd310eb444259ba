/**
 * How the search benchmark's chunks are spread over tenants: one tenant holds 30% of them and
 * the other 99 follow a power law (size ∝ 1/rank), so most hold under 1%, as on a hosted
 * service where one customer is large and the long tail is small. Each tenant writes about a
 * few topics per hundred chunks: a tenant's corpus is about some subjects, not all of them.
 */
import { type Random, randomInt } from "../harness/seeded-random.ts";

export interface TenantPlan {
  /** 0-based; tenant 0 is the largest. */
  readonly number: number;
  readonly id: string;
  readonly slug: string;
  readonly chunks: number;
  /** The topics this tenant's documents are drawn from. */
  readonly topics: readonly number[];
}

/** About this many chunks per topic in a tenant, whatever its size. */
const CHUNKS_PER_TENANT_TOPIC = 30;

/** A canonical UUID made from a number, so ids are the same on every run. */
export function numberedUuid(number: number): string {
  return `00000000-0000-4000-8000-${String(number).padStart(12, "0")}`;
}

/**
 * Tenant sizes in whole documents: the largest gets `largestShare` of `total`, the others 1/rank
 * of the rest (at least one document each); the rounding remainder goes to the second largest.
 */
export function tenantSizes(
  total: number,
  tenants: number,
  largestShare: number,
  chunksPerDocument: number,
): number[] {
  const wholeDocuments = (chunks: number) =>
    Math.max(chunksPerDocument, Math.round(chunks / chunksPerDocument) * chunksPerDocument);
  const largest = wholeDocuments(total * largestShare);
  const weights = Array.from({ length: tenants - 1 }, (_, i) => 1 / (i + 1));
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  const rest = weights.map((weight) => wholeDocuments(((total - largest) * weight) / weightSum));
  rest[0] += total - largest - rest.reduce((sum, size) => sum + size, 0);
  return [largest, ...rest];
}

export function planTenants(
  sizes: readonly number[],
  topicCount: number,
  random: Random,
): TenantPlan[] {
  return sizes.map((chunks, number) => {
    const wanted = Math.min(
      topicCount,
      Math.max(1, Math.round(chunks / CHUNKS_PER_TENANT_TOPIC)),
    );
    return {
      number,
      id: numberedUuid(number + 1),
      slug: `tenant-${String(number).padStart(3, "0")}`,
      chunks,
      topics: sample(topicCount, wanted, random),
    };
  });
}

/** `count` distinct integers of [0, range), in ascending order (partial Fisher–Yates). */
function sample(range: number, count: number, random: Random): number[] {
  const items = Array.from({ length: range }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = randomInt(random, i, range - 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items.slice(0, count).sort((a, b) => a - b);
}
