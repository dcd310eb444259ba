import { createAdmission } from "./admission.ts";
import type { Database, Queryable, RunOptions, Scope, Statement } from "./database.ts";
import { abortable, type Driver, type TransactionLimits } from "./driver.ts";
import { DatabaseTimeoutError, DatabaseUnavailableError, toDatabaseError } from "./errors.ts";
import { backoffMs, isRetryable } from "./retry.ts";

/** How long the seam lets work take, and how much it lets wait: see the configuration guide. */
export interface DatabaseLimits {
  /** The deadline of a run that brings none, from its start. */
  timeoutMs: number;
  /** `statement_timeout` of each transaction, lowered to the time its run has left. */
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  /** Runs that may wait for a connection; more are refused at once. */
  queueLimit: number;
  /** How long a run may wait for a connection. */
  queueTimeoutMs: number;
  /** Retries start only within this time from a run's start (a request's, when it brings one). */
  retryBudgetMs: number;
  /** How long `ping` waits for the database. */
  pingTimeoutMs: number;
}

export const DEFAULT_LIMITS: DatabaseLimits = {
  timeoutMs: 30_000,
  statementTimeoutMs: 15_000,
  lockTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 5_000,
  queueLimit: 32,
  queueTimeoutMs: 5_000,
  retryBudgetMs: 10_000,
  pingTimeoutMs: 2_000,
};

/** An attempt needs at least this much time left to be worth starting. */
const MIN_ATTEMPT_MS = 20;

/**
 * The seam every driver runs behind: a bounded queue in front of its connections (admission),
 * a deadline on every run, transaction-local timeouts derived from it, and retries of attempts
 * that failed where retrying is safe (retry.ts), with exponential backoff inside the budget.
 */
export function resilientDatabase(driver: Driver, limits: DatabaseLimits): Database {
  const admission = createAdmission({
    capacity: driver.capacity,
    queueLimit: limits.queueLimit,
    queueTimeoutMs: limits.queueTimeoutMs,
  });

  const transactionLimits = (deadline: number): TransactionLimits => {
    const left = Math.floor(deadline - performance.now());
    const statementTimeoutMs = Math.max(1, Math.min(limits.statementTimeoutMs, left));
    return {
      statementTimeoutMs,
      lockTimeoutMs: Math.min(limits.lockTimeoutMs, statementTimeoutMs),
      idleInTransactionTimeoutMs: limits.idleInTransactionTimeoutMs,
    };
  };

  return {
    driver: driver.name,
    async run(scope: Scope, statements: readonly Statement[], options: RunOptions = {}) {
      const started = performance.now();
      const deadline = options.deadline ?? started + limits.timeoutMs;
      const retryUntil = Math.min(options.retryUntil ?? started + limits.retryBudgetMs, deadline);
      const bound = deadlineSignal(deadline, options.signal);
      try {
        for (let retry = 1;; retry++) {
          let commitSent = false;
          let leave: (() => void) | undefined;
          try {
            if (deadline - performance.now() < MIN_ATTEMPT_MS) throw new DatabaseTimeoutError();
            leave = await admission.enter(bound.signal);
            return await driver.attempt(scope, statements, {
              signal: bound.signal,
              limits: transactionLimits(deadline),
              commitSent: () => {
                commitSent = true;
              },
            });
          } catch (caught) {
            const error = bound.signal.aborted ? bound.signal.reason : toDatabaseError(caught);
            if (!isRetryable(error, commitSent, options.idempotent ?? false)) throw error;
            const delayMs = backoffMs(retry);
            if (performance.now() + delayMs >= retryUntil) throw error;
            leave?.();
            leave = undefined;
            options.onRetry?.({ retry, delayMs, error, commitSent });
            await abortable(sleep(delayMs), bound.signal);
          } finally {
            leave?.();
          }
        }
      } finally {
        bound.dispose();
      }
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const leave = await admission.enter(new AbortController().signal);
      try {
        return await driver.transaction(work);
      } catch (error) {
        throw toDatabaseError(error);
      } finally {
        leave();
      }
    },
    async ping() {
      const timeout = AbortSignal.timeout(limits.pingTimeoutMs);
      try {
        return await abortable(driver.ping(timeout), timeout);
      } catch (error) {
        if (timeout.aborted) {
          throw new DatabaseUnavailableError(`ping timed out after ${limits.pingTimeoutMs} ms`);
        }
        throw toDatabaseError(error);
      }
    },
    load: () => admission.load(),
    close: () => driver.close(),
  };
}

/**
 * A signal that aborts with DatabaseTimeoutError at `deadline`, or with the reason of `parent`
 * when that aborts first.
 */
function deadlineSignal(deadline: number, parent?: AbortSignal) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DatabaseTimeoutError()),
    Math.max(0, deadline - performance.now()),
  );
  const onAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
