import type { MiddlewareHandler } from "hono";
import { setMetric } from "hono/timing";
import type { Database, PingResult, Row, Scope, Statement } from "../db/database.ts";

/** What a route sees of the database: the seam's scoped calls, timed for Server-Timing. */
export interface RequestDatabase {
  run(scope: Scope, statements: readonly Statement[]): Promise<Row[][]>;
  ping(): Promise<PingResult>;
}

/**
 * Gives each request `c.var.db` and reports the time spent waiting on the database as the `db`
 * metric of Server-Timing (0 when the route never touched it).
 */
export function requestDatabase(
  open: () => Promise<Database>,
): MiddlewareHandler<{ Variables: { db: RequestDatabase } }> {
  return async function requestDatabase(c, next) {
    let elapsed = 0;
    const timed = async <T>(work: (db: Database) => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work(await open());
      } finally {
        elapsed += performance.now() - started;
      }
    };
    c.set("db", {
      run: (scope, statements) => timed((db) => db.run(scope, statements)),
      ping: () => timed((db) => db.ping()),
    });
    await next();
    setMetric(c, "db", Math.round(elapsed * 10) / 10);
  };
}
