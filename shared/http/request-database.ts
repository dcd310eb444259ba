import type { MiddlewareHandler } from "hono";
import { setMetric } from "hono/timing";
import type { Database, DatabaseLoad, PingResult, Row, Scope, Statement } from "../db/database.ts";
import { DatabaseError, DatabaseUnavailableError } from "../db/errors.ts";
import { logInfo } from "../log.ts";
import type { RequestDeadline } from "./deadline.ts";

/** What a route sees of the database: the seam's scoped calls, timed for Server-Timing. */
export interface RequestDatabase {
  /**
   * One scoped transaction, bounded by the request's deadline and stopped when its client goes
   * away. `idempotent`: running it twice leaves what running it once does (every upsert), so
   * it may be retried even when its connection was lost during COMMIT (see shared/db/retry.ts).
   */
  run(
    scope: Scope,
    statements: readonly Statement[],
    options?: { idempotent?: boolean },
  ): Promise<Row[][]>;
  ping(): Promise<PingResult>;
  /** How busy the database seam is. */
  load(): Promise<DatabaseLoad>;
}

type Env = { Variables: { db: RequestDatabase; deadline?: RequestDeadline; requestId: string } };

/**
 * Gives each request `c.var.db` and reports in Server-Timing the time spent waiting on the
 * database as `db` (0 when the route never touched it), and as `retry` how many times its
 * transactions were retried, when they were; each retry is logged.
 */
export function requestDatabase(open: () => Promise<Database>): MiddlewareHandler<Env> {
  return async function requestDatabase(c, next) {
    let elapsed = 0;
    let retries = 0;
    const timed = async <T>(work: (db: Database) => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work(await open());
      } finally {
        elapsed += performance.now() - started;
      }
    };
    const deadline = c.var.deadline;
    c.set("db", {
      run: (scope, statements, options = {}) =>
        timed((db) =>
          db.run(scope, statements, {
            signal: deadline?.signal,
            deadline: deadline?.at,
            retryUntil: deadline?.retryUntil,
            idempotent: options.idempotent,
            onRetry({ retry, delayMs, error, commitSent }) {
              retries++;
              logInfo("db_retry", {
                request_id: c.var.requestId,
                retry,
                delay_ms: delayMs,
                error: error.name,
                sqlstate:
                  error instanceof DatabaseError || error instanceof DatabaseUnavailableError
                    ? error.sqlstate
                    : undefined,
                commit_sent: commitSent,
              });
            },
          })
        ),
      ping: () => timed((db) => db.ping()),
      load: async () => (await open()).load(),
    });
    await next();
    setMetric(c, "db", Math.round(elapsed * 10) / 10);
    if (retries > 0) setMetric(c, "retry", String(retries));
  };
}
