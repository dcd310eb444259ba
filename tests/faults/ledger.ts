import type { Database } from "../../shared/db/database.ts";

/** One write the loop sent: a document with its chunks, and what became of the request. */
export interface Write {
  /** The document's id, also sent as the request's X-Request-Id. */
  readonly id: string;
  readonly chunks: readonly string[];
  readonly started: number;
  ended?: number;
  /** The HTTP status, or how the request failed without one. */
  outcome?: number | "network" | "hung";
  /** Retry-After of a 503 or 504. */
  retryAfter?: string | null;
}

export interface WriteLoopOptions {
  origin: string;
  apiKey: string;
  /** Prefix of every document id. */
  prefix: string;
  writers: number;
  /** A request longer than this counts as hung and is abandoned. */
  hungAfterMs: number;
}

/**
 * Writers posting one document with three chunks each, one request at a time, until stopped;
 * every request and its outcome is kept, for the ledger.
 */
export function startWriteLoop(options: WriteLoopOptions) {
  const writes: Write[] = [];
  let running = true;
  let next = 0;
  const writer = async () => {
    while (running) {
      const id = `${options.prefix}-${next++}`;
      const chunks = [0, 1, 2].map((k) => `chunk ${k} of ${id}`);
      const write: Write = { id, chunks, started: performance.now() };
      writes.push(write);
      await send(options, write);
      // A failed write is not retried at once: a client would back off.
      if (write.outcome !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const writers = Array.from({ length: options.writers }, writer);
  return {
    writes,
    acknowledged: () => writes.filter((write) => write.outcome === 200).length,
    async stop() {
      running = false;
      await Promise.all(writers);
    },
  };
}

async function send(options: WriteLoopOptions, write: Write): Promise<void> {
  const hung = AbortSignal.timeout(options.hungAfterMs);
  try {
    const response = await fetch(`${options.origin}/rag/v1/documents`, {
      method: "POST",
      headers: {
        "X-API-Key": options.apiKey,
        "Content-Type": "application/json",
        "X-Request-Id": write.id,
      },
      body: JSON.stringify({
        documents: [{
          id: write.id,
          content: `document ${write.id}`,
          chunks: write.chunks.map((content, k) => ({ id: `${write.id}-${k}`, content })),
        }],
      }),
      signal: hung,
    });
    await response.body?.cancel();
    write.outcome = response.status;
    write.retryAfter = response.headers.get("retry-after");
  } catch {
    write.outcome = hung.aborted ? "hung" : "network";
  } finally {
    write.ended = performance.now();
  }
}

/** What the database holds of the writes, against what the API answered. */
export interface LedgerCheck {
  sent: number;
  acknowledged: number;
  /** Committed although the client never heard so (a reply lost, a process killed). */
  committedUnacknowledged: number;
  /** Acknowledged, but the document is not there. */
  lost: number;
  /** Writes with more rows than they made: chunks beyond their own. */
  duplicated: number;
  /**
   * Audit rows beyond one for a request: what an idempotent write retried after its COMMIT reply
   * was lost leaves when the first COMMIT had in fact committed.
   */
  duplicateAuditRows: number;
  /**
   * Part of a write without the rest: a document whose chunks are not exactly those sent, a
   * document without its audit row or an audit row without its document, chunks or documents
   * that no write sent.
   */
  halfWritten: number;
  /** The longest request, ms. */
  longestMs: number;
  hung: number;
  /** How the requests ended: status or failure, with counts. */
  outcomes: Record<string, number>;
  /** Refusals (503, 504) that came without Retry-After. */
  refusalsWithoutRetryAfter: number;
}

/** Compares the writes with the tenant's rows, read as the connecting (super)user. */
export async function checkLedger(
  db: Database,
  tenantId: string,
  writes: readonly Write[],
): Promise<LedgerCheck> {
  const { documents, chunks, audits } = await db.transaction(async (tx) => ({
    documents: await tx.query<{ id: string; chunks_count: number }>(
      "select id, chunks_count from pgrag.documents where tenant_id = $1",
      [tenantId],
    ),
    chunks: await tx.query<{ document_id: string; id: string; content: string }>(
      "select document_id, id, content from pgrag.chunks where tenant_id = $1",
      [tenantId],
    ),
    audits: await tx.query<{ request_id: string; rows: number }>(
      "select details ->> 'request_id' as request_id, count(*)::int as rows " +
        "from pgrag.audit_logs where tenant_id = $1 and action = 'upsert' and success " +
        "group by 1",
      [tenantId],
    ),
  }));
  const sent = new Map(writes.map((write) => [write.id, write]));
  const stored = new Map(documents.map((row) => [row.id, row]));
  const chunksOf = new Map<string, string[]>();
  for (const chunk of chunks) {
    chunksOf.set(chunk.document_id, [...chunksOf.get(chunk.document_id) ?? [], chunk.content]);
  }
  const auditRows = new Map(audits.map((row) => [row.request_id, row.rows]));

  const check: LedgerCheck = {
    sent: writes.length,
    acknowledged: 0,
    committedUnacknowledged: 0,
    lost: 0,
    duplicated: 0,
    duplicateAuditRows: 0,
    halfWritten: 0,
    longestMs: 0,
    hung: 0,
    outcomes: {},
    refusalsWithoutRetryAfter: 0,
  };
  for (const write of writes) {
    const outcome = String(write.outcome);
    check.outcomes[outcome] = (check.outcomes[outcome] ?? 0) + 1;
    check.longestMs = Math.max(check.longestMs, Math.round(write.ended! - write.started));
    if (write.outcome === "hung") check.hung++;
    if ((write.outcome === 503 || write.outcome === 504) && !write.retryAfter) {
      check.refusalsWithoutRetryAfter++;
    }
    const document = stored.get(write.id);
    const audited = auditRows.get(write.id) ?? 0;
    const own = (chunksOf.get(write.id) ?? []).toSorted();
    if (write.outcome === 200) check.acknowledged++;
    if (!document) {
      if (write.outcome === 200) check.lost++;
      if (own.length > 0 || audited > 0) check.halfWritten++;
      continue;
    }
    if (write.outcome !== 200) check.committedUnacknowledged++;
    const expected = write.chunks.toSorted();
    if (own.length > expected.length) check.duplicated++;
    if (audited > 1) check.duplicateAuditRows += audited - 1;
    const exact = own.length === expected.length &&
      own.every((content, i) => content === expected[i]);
    if (!exact || document.chunks_count !== expected.length || audited === 0) check.halfWritten++;
  }
  // Rows of writes that were never sent cannot be explained by any of them.
  for (const id of [...stored.keys(), ...chunksOf.keys()]) {
    if (!sent.has(id)) check.halfWritten++;
  }
  return check;
}
