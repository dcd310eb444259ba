import type { DriverName, PingResult, Queryable, Row, Scope, Statement } from "./database.ts";

/**
 * What each driver file implements: one attempt at a scoped transaction on one connection. The
 * seam around it (resilient.ts) admits attempts, bounds them by their deadline and repeats them
 * when that is safe; the driver's part is to stop when told, leave no connection behind in an
 * unknown state, and say whether COMMIT had been sent when it failed.
 */
export interface Driver {
  readonly name: DriverName;
  /** Connections it holds for runs at most: the seam lets this many attempts in at once. */
  readonly capacity: number;
  /**
   * Runs the statements in one scoped transaction. Calls `attempt.commitSent()` before COMMIT
   * can reach the server. When `attempt.signal` aborts it cancels what runs on the server where
   * the driver can, discards the connection and rejects with the signal's reason, at once.
   */
  attempt(scope: Scope, statements: readonly Statement[], attempt: Attempt): Promise<Row[][]>;
  /** An interactive transaction as the connecting role (migrations). */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Answers a trivial query on a connection kept for it, so that it is not queued behind runs.
   * When `signal` aborts it gives that connection up and rejects.
   */
  ping(signal: AbortSignal): Promise<PingResult>;
  close(): Promise<void>;
}

/** One attempt at a run, as the seam hands it to a driver. */
export interface Attempt {
  /** Aborted when the run must stop: its deadline passed, or its client went away. */
  readonly signal: AbortSignal;
  /** Set transaction-locally with the scope, in the same message (see scope.ts). */
  readonly limits: TransactionLimits;
  /**
   * Called by the driver just before COMMIT may reach the server. A connection lost before it
   * cannot have committed anything; lost after it, the transaction may have committed.
   */
  commitSent(): void;
}

/** The PostgreSQL timeouts of one transaction, in milliseconds. */
export interface TransactionLimits {
  /** `statement_timeout`: never more than the time left before the run's deadline. */
  readonly statementTimeoutMs: number;
  /** `lock_timeout`: how long a statement waits for a row or table lock. */
  readonly lockTimeoutMs: number;
  /**
   * `idle_in_transaction_session_timeout`: the server ends the session when the client falls
   * silent inside the transaction (a stalled network, a killed process), releasing its locks.
   */
  readonly idleInTransactionTimeoutMs: number;
}

/** Settles as `work` does, or rejects with the signal's reason as soon as it aborts. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener("abort", onAbort!));
}
