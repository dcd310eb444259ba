import postgres from "postgres";
import type { Database, Queryable, Row, Scope, Statement } from "./database.ts";
import { toDatabaseError } from "./errors.ts";
import { PING_QUERY } from "./ping.ts";
import { beginScopeScript } from "./scope.ts";

export interface PostgresJsOptions {
  url: string;
  /** Connections this isolate may hold; keep it small behind a pooler. */
  maxConnections: number;
  idleTimeoutSeconds: number;
  connectTimeoutSeconds: number;
  /**
   * Use named prepared statements. Off by default: a transaction pooler may hand each transaction
   * another server connection. Safe on a direct connection and on poolers that track protocol-level
   * prepared statements (PgBouncer >= 1.21 with max_prepared_statements).
   */
  prepare?: boolean;
}

/**
 * postgres.js over TCP: a direct connection, or Supavisor/PgBouncer in transaction mode. Prepared
 * statements are off by default because a transaction pooler may hand each transaction another
 * server connection, and all session state is transaction-local (see scope.ts).
 */
export function openPostgresJs(options: PostgresJsOptions): Database {
  // `unsafe()` never prepares unless told to, whatever the client option says.
  const prepare = options.prepare ?? false;
  const sql = postgres(options.url, {
    prepare,
    max: options.maxConnections,
    idle_timeout: options.idleTimeoutSeconds,
    connect_timeout: options.connectTimeoutSeconds,
    onnotice: () => {},
  });

  const queryable = (tx: postgres.Sql | postgres.TransactionSql): Queryable => ({
    // Both send their statement before their first await, so calls made together are queued
    // together, in call order.
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const rows = await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare });
      return [...rows] as unknown as R[];
    },
    async exec(script: string) {
      // Without parameters postgres.js uses the simple protocol, which runs several statements.
      await tx.unsafe(script);
    },
  });

  return {
    driver: "postgres",
    async run(scope: Scope, statements: readonly Statement[]) {
      let connection: postgres.ReservedSql | undefined;
      try {
        connection = await sql.reserve();
        const tx = queryable(connection);
        // Everything is queued before anything is awaited, so postgres.js pipelines what it can:
        // BEGIN and the context go as one simple-protocol message together with the first
        // statement. Without prepared statements postgres.js describes each parameterized
        // statement before executing it, which costs it one more round trip and ends the
        // pipeline; with them the whole transaction is one round trip. When a statement fails,
        // later ones fail as "transaction aborted" and COMMIT turns into a rollback: all or
        // nothing.
        const opened = tx.exec(beginScopeScript(scope));
        const results = statements.map((statement) => tx.query(statement.text, statement.params));
        const committed = tx.exec("commit");
        const settled = await Promise.allSettled([opened, ...results, committed]);
        const failure = settled.find((result) => result.status === "rejected");
        if (failure) throw failure.reason;
        return await Promise.all(results);
      } catch (error) {
        throw toDatabaseError(error);
      } finally {
        connection?.release();
      }
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await sql.begin((tx) => work(queryable(tx))) as T;
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async ping() {
      try {
        const [row] = await sql.unsafe(PING_QUERY);
        return { migrated: row.migrated === true };
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
