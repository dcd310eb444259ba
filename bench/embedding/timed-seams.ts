/**
 * The worker's two seams, the database and the provider, wrapped to add up the time it spends in
 * each step (per pgrag SQL function it calls, and in the provider) and the calls each embed()
 * made: the worker itself stays the product's code, and the report can say where a claim's time
 * goes.
 */
import type { Database } from "../../shared/db/database.ts";
import type { EmbeddingProvider } from "../../shared/embedding/provider.ts";

/** Milliseconds and runs per step, summed over every worker loop. */
export class StepTimes {
  readonly #steps = new Map<string, { ms: number; runs: number }>();

  add(step: string, ms: number): void {
    const entry = this.#steps.get(step) ?? { ms: 0, runs: 0 };
    entry.ms += ms;
    entry.runs += 1;
    this.#steps.set(step, entry);
  }

  get(step: string): { ms: number; runs: number } {
    return this.#steps.get(step) ?? { ms: 0, runs: 0 };
  }
}

export const PROVIDER_STEP = "provider.embed";

/** The step a run is counted under: the pgrag function its first statement calls. */
function stepOf(text: string | undefined): string {
  return text?.match(/pgrag\.(\w+)\(/)?.[1] ?? "other";
}

export function timedDatabase(db: Database, times: StepTimes): Database {
  return {
    driver: db.driver,
    async run(scope, statements, options) {
      const started = performance.now();
      try {
        return await db.run(scope, statements, options);
      } finally {
        times.add(stepOf(statements[0]?.text), performance.now() - started);
      }
    },
    transaction: (work) => db.transaction(work),
    ping: () => db.ping(),
    load: () => db.load(),
    close: () => db.close(),
  };
}

/** `callsPerEmbed` receives the provider calls of each embed() that succeeded. */
export function timedProvider(
  provider: EmbeddingProvider,
  times: StepTimes,
  callsPerEmbed: number[],
): EmbeddingProvider {
  return {
    name: provider.name,
    model: provider.model,
    dimensions: provider.dimensions,
    async embed(texts, options) {
      const started = performance.now();
      try {
        const made = await provider.embed(texts, options);
        callsPerEmbed.push(made.calls);
        return made;
      } finally {
        times.add(PROVIDER_STEP, performance.now() - started);
      }
    },
  };
}
