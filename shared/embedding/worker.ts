import type { Database } from "../db/database.ts";
import { logError } from "../log.ts";
import { vectorLiteral } from "../vector-text.ts";
import { type EmbeddingProvider, EmbeddingRefused, EmbeddingUnavailable } from "./provider.ts";
import { embeddingUsage } from "./usage.ts";

/** How the queue is worked (the configuration's embedding settings). */
export interface WorkerSettings {
  /** Queue entries one claim takes. */
  claimSize: number;
  /** How long a claim holds its entries; the provider's calls for it are cut off before. */
  leaseSeconds: number;
  /** Claims of one entry before it fails for good. */
  jobAttempts: number;
  /** How often an idle worker looks for work written by other processes. */
  pollMs: number;
  usdPerMillionTokens: number;
}

/** What a drain did, summed over its claims. */
export interface DrainReport {
  claimed: number;
  embedded: number;
  /** Entries that failed for good (their documents are `failed`). */
  failed: number;
  /** Entries put back to wait for another attempt. */
  retried: number;
  /** Claims refused because the tenant is over an enforced budget. */
  paused: number;
  /** Texts sent to the provider: fewer than claimed when a claim held the same text twice. */
  texts: number;
}

interface ClaimedEntry {
  chunk_id: string;
  document_id: string;
  content: string;
  content_hash: string;
  attempts: number;
}

/** Tenants looked at in one pass, so one pass stays short however many tenants wait. */
const TENANTS_PER_PASS = 16;
/** Cut the provider off this long before a claim's lease ends, to store what it made in time. */
const LEASE_MARGIN_MS = 5_000;

/**
 * Works the embedding queue (sql/logic/35_embedding_queue.sql): finds the tenants with due
 * entries, then, in each tenant's own scope, claims a batch, embeds it with the provider outside
 * any transaction, and stores the vectors (or records the failure). Every step is a transaction
 * of its own, so a worker, server or database that dies mid-batch leaves a claim that expires and
 * is taken again; an embedding is stored only for the content it was made from.
 */
export class EmbeddingWorker {
  #stopped = false;
  #woken = false;
  #sleepers: (() => void)[] = [];
  #loops: Promise<void>[] = [];
  readonly #abort = new AbortController();

  constructor(
    private readonly db: Database,
    readonly provider: EmbeddingProvider,
    private readonly settings: WorkerSettings,
  ) {}

  /** Starts `count` loops that drain the queue whenever it has due work, until `stop`. */
  start(count: number): void {
    for (let i = 0; i < count; i++) this.#loops.push(this.#loop());
  }

  /** Work was just queued: idle loops look now instead of at their next poll. */
  wake(): void {
    this.#woken = true;
    for (const wakeUp of this.#sleepers.splice(0)) wakeUp();
  }

  /** Stops the loops; a batch in flight is abandoned and its claim left to expire. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error("the embedding worker stopped"));
    this.wake();
    await Promise.allSettled(this.#loops);
  }

  /**
   * Claims and embeds until no due work is left or `deadline` (performance.now() clock) has
   * passed; what POST /admin/embeddings/drain and a scheduler without a resident worker run.
   */
  async drain(deadline: number, signal?: AbortSignal): Promise<DrainReport> {
    const report = emptyReport();
    while (performance.now() < deadline && !signal?.aborted) {
      if (await this.#pass(report, deadline, signal) === 0) break;
    }
    return report;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      let claimed = 0;
      try {
        claimed = await this.#pass(emptyReport(), Infinity, this.#abort.signal);
      } catch (error) {
        if (this.#stopped) return;
        logError("embedding_worker_failed", { message: messageOf(error) });
      }
      if (claimed === 0 && !this.#woken) await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.settings.pollMs);
      // An idle worker must not keep a finished process (or test) alive.
      Deno.unrefTimer(timer);
      this.#sleepers.push(done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** One claim in each tenant with due work; returns the entries claimed. */
  async #pass(report: DrainReport, deadline: number, signal?: AbortSignal): Promise<number> {
    const [[row]] = await this.db.run({ role: "admin" }, [{
      // As JSON: not every driver parses a uuid[].
      text: "select array_to_json(pgrag.embedding_tenants($1)) as tenants",
      params: [TENANTS_PER_PASS],
    }], { signal });
    const before = report.claimed;
    for (const tenantId of parsed<string[]>(row.tenants)) {
      if (this.#stopped || signal?.aborted || performance.now() >= deadline) break;
      await this.#batch(tenantId, report, signal);
    }
    return report.claimed - before;
  }

  async #batch(tenantId: string, report: DrainReport, signal?: AbortSignal): Promise<void> {
    const scope = { role: "api", tenantId } as const;
    const [[row]] = await this.db.run(scope, [{
      text: "select pgrag.claim_embeddings($1, $2) as claim",
      params: [this.settings.claimSize, this.settings.leaseSeconds],
    }], { signal });
    const claim = parsed<{ paused: boolean; items: ClaimedEntry[] }>(row.claim);
    if (claim.paused) report.paused++;
    if (claim.items.length === 0) return;
    report.claimed += claim.items.length;

    // The same text twice in one claim (a repeated boilerplate chunk) is embedded once.
    const texts = [...new Set(claim.items.map((item) => item.content))];
    report.texts += texts.length;
    const cutOff = AbortSignal.timeout(
      Math.max(1_000, this.settings.leaseSeconds * 1000 - LEASE_MARGIN_MS),
    );
    let made;
    try {
      made = await this.provider.embed(texts, {
        signal: signal ? AbortSignal.any([signal, cutOff]) : cutOff,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const failedForGood = await this.#fail(scope, claim.items, error);
      report.failed += failedForGood;
      report.retried += claim.items.length - failedForGood;
      return;
    }
    const vectors = new Map(texts.map((text, i) => [text, vectorLiteral(made.vectors[i])]));
    const [[done]] = await this.db.run(scope, [{
      text: "select pgrag.complete_embeddings($1::text::json, $2::text, $3::text::json) as done",
      params: [
        JSON.stringify(
          claim.items.map(({ chunk_id, content_hash }) => ({ chunk_id, content_hash })),
        ),
        claim.items.map((item) => vectors.get(item.content)).join(" "),
        JSON.stringify(
          embeddingUsage(this.provider, made, this.settings.usdPerMillionTokens, "chunks"),
        ),
      ],
    }], { signal });
    report.embedded += parsed<{ embedded: number }>(done.done).embedded;
  }

  async #fail(
    scope: { role: "api"; tenantId: string },
    items: ClaimedEntry[],
    error: unknown,
  ): Promise<number> {
    const permanent = error instanceof EmbeddingRefused;
    const retryAfter = error instanceof EmbeddingUnavailable ? error.retryAfterSeconds : undefined;
    if (!permanent && !(error instanceof EmbeddingUnavailable)) {
      logError("embedding_provider_failed", { message: messageOf(error) });
    }
    const [[row]] = await this.db.run(scope, [{
      text: "select pgrag.fail_embeddings(array(select json_array_elements_text($1::text::json))," +
        " $2, $3::text::boolean, $4, $5) as failed",
      params: [
        JSON.stringify(items.map((item) => item.chunk_id)),
        `${this.provider.name}: ${messageOf(error)}`.slice(0, 2000),
        String(permanent),
        this.settings.jobAttempts,
        retryAfter === undefined ? null : Math.ceil(retryAfter),
      ],
    }]);
    return Number(row.failed);
  }
}

function emptyReport(): DrainReport {
  return { claimed: 0, embedded: 0, failed: 0, retried: 0, paused: 0, texts: 0 };
}

/** JSON from the database: drivers hand it over parsed or as text. */
function parsed<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
