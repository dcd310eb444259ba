/**
 * One cell: a fresh tenant writes its chunks with automatic embedding (timed on its own), then
 * the product's EmbeddingWorker, over the product's database seam and the openai provider,
 * works the queue with the cell's loops until it is empty and every document is processed.
 */
import type postgres from "postgres";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";
import { CONCURRENT_CALLS, createOpenAiProvider } from "../../shared/embedding/openai.ts";
import { EmbeddingWorker, type WorkerSettings } from "../../shared/embedding/worker.ts";
import { loadAverage } from "../harness/machine-facts.ts";
import { createTenant } from "../harness/tenants.ts";
import { type DocumentInput, writeDocuments } from "../harness/write-documents.ts";
import { type Cell, type EmbeddingOptions, PRODUCT_DEFAULTS } from "./options.ts";
import { startThreadedStandIn } from "./threaded-stand-in.ts";
import { StepTimes, timedDatabase, timedProvider } from "./timed-seams.ts";
import { type Verification, verifyCell } from "./verify.ts";

export interface CellResult {
  readonly cell: Cell;
  readonly chunks: number;
  readonly writeSeconds: number;
  /**
   * From the workers' start until the queue was seen empty with every document processed (or
   * just empty, when documents were left `processing`).
   */
  readonly seconds: number;
  /** Calls the stand-in received (retries included). */
  readonly providerCalls: number;
  /** Provider calls of each claim that was embedded, in order. */
  readonly callsPerClaim: readonly number[];
  /** Every call's latency back to back, split over the loops: calls × latency / workers. */
  readonly serialFloorSeconds: number;
  /**
   * What the provider's latency alone forces: a claim of k calls waits ⌈k / lanes⌉ latencies
   * (the openai provider runs `lanes` calls of one embed() at once), and the loops wait at once.
   */
  readonly floorSeconds: number;
  readonly steps: StepTimes;
  readonly verification: Verification;
  readonly loadBefore: string;
  readonly loadAfter: string;
}

/** The settings a deployment runs with (shared/config.ts defaults) but the claim size. */
const SETTINGS: Omit<WorkerSettings, "claimSize"> = {
  leaseSeconds: PRODUCT_DEFAULTS.leaseSeconds,
  jobAttempts: PRODUCT_DEFAULTS.jobAttempts,
  pollMs: PRODUCT_DEFAULTS.pollMs,
  usdPerMillionTokens: PRODUCT_DEFAULTS.usdPerMillionTokens,
};
const POLL_DONE_MS = 10;
const UNPROCESSED_GRACE_MS = 1_000;
/** The longest a cell may run: far beyond any cell's floor, short of a hung run. */
const DRAIN_TIMEOUT_MS = 10 * 60_000;
export const LANES = CONCURRENT_CALLS;

export interface CellContext {
  readonly sql: postgres.Sql;
  readonly url: string;
  readonly dimensions: number;
  readonly options: EmbeddingOptions;
  progress(message: string): void;
}

export async function measureCell(
  context: CellContext,
  cell: Cell,
  documents: readonly DocumentInput[],
): Promise<CellResult> {
  const { sql, dimensions, options } = context;
  const slug = `embedding-${cell.latencyMs}ms-${cell.workers}w`;
  const tenantId = await createTenant(sql, { name: slug, slug });
  const chunks = documents.reduce((sum, document) => sum + (document.chunks?.length ?? 0), 0);
  const loadBefore = await loadAverage();

  const writeStarted = performance.now();
  await writeDocuments(sql, documents.map((document) => ({ tenantId, document })), {
    embedding: "auto",
  });
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  const [{ queued }] = await sql<{ queued: number }[]>`
    select count(*)::int as queued from pgrag.embedding_queue where tenant_id = ${tenantId}`;
  if (queued !== chunks) throw new Error(`${queued} of ${chunks} chunks were queued`);

  const standIn = await startThreadedStandIn(dimensions, cell.latencyMs);
  const db = openPostgresJs({
    url: context.url,
    maxConnections: cell.workers + 1,
    idleTimeoutSeconds: 10,
    connectTimeoutSeconds: 5,
  });
  const steps = new StepTimes();
  const callsPerClaim: number[] = [];
  const provider = createOpenAiProvider({
    baseUrl: standIn.url,
    model: "stand-in",
    dimensions,
    maxInputsPerCall: options.inputsPerCall,
  });
  const worker = new EmbeddingWorker(
    timedDatabase(db, steps),
    timedProvider(provider, steps, callsPerClaim),
    { ...SETTINGS, claimSize: options.claimSize },
  );
  let seconds;
  try {
    context.progress(`${slug}: ${chunks} chunks queued in ${writeSeconds.toFixed(2)} s; embedding`);
    const started = performance.now();
    worker.start(cell.workers);
    seconds = (await untilEmbedded(sql, tenantId, started + DRAIN_TIMEOUT_MS) - started) / 1000;
  } finally {
    await worker.stop();
    await db.close();
  }
  const calls = await standIn.calls().finally(() => standIn.close());
  const verification = await verifyCell(sql, tenantId, dimensions, calls);
  const rounds = callsPerClaim.reduce((sum, k) => sum + Math.ceil(k / LANES), 0);
  return {
    cell,
    chunks,
    writeSeconds,
    seconds,
    providerCalls: calls.length,
    callsPerClaim,
    serialFloorSeconds: calls.length * cell.latencyMs / 1000 / cell.workers,
    floorSeconds: rounds * cell.latencyMs / 1000 / cell.workers,
    steps,
    verification,
    loadBefore,
    loadAfter: await loadAverage(),
  };
}

/**
 * Polls until the tenant's queue is empty (an entry goes in the transaction that stores its
 * embedding) and its documents are processed, or, once the queue is empty, until no document has
 * moved for UNPROCESSED_GRACE_MS: concurrent completions can leave a document `processing` for
 * good (see the report), which verifyCell then counts instead of the cell never ending.
 */
async function untilEmbedded(
  sql: postgres.Sql,
  tenantId: string,
  deadline: number,
): Promise<number> {
  let emptySince: number | undefined;
  while (true) {
    const [state] = await sql<{ queued: number; failed: number; unprocessed: number }[]>`
      select (select count(*)::int from pgrag.embedding_queue
               where tenant_id = ${tenantId}) as queued,
             (select count(*)::int from pgrag.embedding_queue
               where tenant_id = ${tenantId} and failed) as failed,
             (select count(*)::int from pgrag.documents
               where tenant_id = ${tenantId} and status <> 'processed') as unprocessed`;
    if (state.failed > 0) throw new Error(`${state.failed} queue entries failed`);
    if (state.queued === 0 && state.unprocessed === 0) return performance.now();
    if (state.queued === 0) {
      emptySince ??= performance.now();
      // The time the queue was seen empty: the grace is waiting, not embedding.
      if (performance.now() - emptySince > UNPROCESSED_GRACE_MS) return emptySince;
    }
    if (performance.now() > deadline) {
      throw new Error(
        `still ${state.queued} queued, ${state.unprocessed} documents unprocessed ` +
          `after ${DRAIN_TIMEOUT_MS / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_DONE_MS));
  }
}
