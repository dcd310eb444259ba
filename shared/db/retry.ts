import { DatabaseError, DatabaseUnavailableError } from "./errors.ts";

/**
 * Serialization failure and deadlock: PostgreSQL has rolled the whole transaction back, whether
 * the error came from a statement or from COMMIT itself, so running it again is always safe.
 */
const ROLLED_BACK = new Set(["40001", "40P01"]);

/**
 * The connection is gone or could not be had: connection exceptions (08xxx), a terminated
 * backend, a crash or a shutdown (57P01, 57P02), a server that is still starting (57P03), too many
 * connections (53300), a session ended for idling inside its transaction (25P03) or by a
 * recovery conflict (FATAL with 40001 on a standby). Other
 * unavailable states (53100 disk full, 53200 out of memory) do not pass in milliseconds.
 */
const CONNECTION_LOST = ["08", "57P01", "57P02", "57P03", "53300", "25P03", ...ROLLED_BACK];

/**
 * Whether an attempt that failed with `error` may run again. A transaction whose connection was
 * lost before its COMMIT was sent never committed, so it is repeated whatever it does. Lost
 * after COMMIT was sent, it may have committed with only the reply lost: it is repeated only
 * when the run says it is idempotent, as every upsert is (written with ON CONFLICT DO UPDATE and
 * skipping unchanged rows, a second run leaves the rows of the first; its answer may then call
 * a row `created: false` that the first run created). Everything else (a client error, a
 * timeout, a refused admission, an aborted request) is final.
 */
export function isRetryable(error: unknown, commitSent: boolean, idempotent: boolean): boolean {
  if (error instanceof DatabaseError) return ROLLED_BACK.has(error.sqlstate);
  if (!(error instanceof DatabaseUnavailableError)) return false;
  const sqlstate = error.sqlstate;
  // Without a SQLSTATE the driver itself lost the socket (refused, reset, closed).
  if (sqlstate && !CONNECTION_LOST.some((prefix) => sqlstate.startsWith(prefix))) return false;
  return !commitSent || idempotent;
}

const FIRST_STEP_MS = 50;
const MAX_STEP_MS = 1_000;

/**
 * The wait before retry `n` (1 for the first): exponential steps of 50 ms up to 1 s, each drawn
 * between half the step and the step, so that runs failing together do not return together
 * and none retries at once.
 */
export function backoffMs(n: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_STEP_MS, FIRST_STEP_MS * 2 ** (n - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}
