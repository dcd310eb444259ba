import type { EmbeddingConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { EmbeddingProvider } from "./provider.ts";
import { QueryEmbeddings } from "./query-embeddings.ts";
import { type DrainReport, EmbeddingWorker } from "./worker.ts";

/**
 * What the routes use of the embedding provider: query embeddings for search, a wake-up for the
 * queue workers after a write queued chunks, and a drain for schedulers. The worker needs the
 * database, which opens lazily, so it is made on first use.
 */
export class EmbeddingServices {
  readonly queries: QueryEmbeddings;
  #worker: Promise<EmbeddingWorker> | null = null;
  #started = false;

  constructor(
    readonly provider: EmbeddingProvider,
    private readonly database: () => Promise<Database>,
    private readonly settings: EmbeddingConfig,
  ) {
    this.queries = new QueryEmbeddings(
      provider,
      settings.queryCacheSize,
      settings.usdPerMillionTokens,
    );
  }

  /** Starts the configured number of in-process queue workers (none when it is 0). */
  async start(): Promise<void> {
    if (this.#started || this.settings.workers === 0) return;
    this.#started = true;
    (await this.#workerOnce()).start(this.settings.workers);
  }

  /** A write queued chunks: resident workers take them now. */
  wake(): void {
    if (this.#started) void this.#workerOnce().then((worker) => worker.wake());
  }

  async drain(deadline: number, signal?: AbortSignal): Promise<DrainReport> {
    return await (await this.#workerOnce()).drain(deadline, signal);
  }

  async stop(): Promise<void> {
    if (this.#worker) await (await this.#worker).stop();
  }

  #workerOnce(): Promise<EmbeddingWorker> {
    this.#worker ??= this.database().then((db) =>
      new EmbeddingWorker(db, this.provider, this.settings)
    );
    return this.#worker;
  }
}
