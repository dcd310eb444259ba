import postgres from "postgres";
import type { Database, Queryable, Row, Scope, Statement } from "./database.ts";
import { toDatabaseError } from "./errors.ts";
import { scopeStatement } from "./scope.ts";

export interface PostgresJsOptions {
  url: string;
  /** Connections this isolate may hold; keep it small behind a pooler. */
  maxConnections: number;
  idleTimeoutSeconds: number;
  connectTimeoutSeconds: number;
}

/**
 * postgres.js over TCP: a direct connection, or Supavisor/PgBouncer in transaction mode. Prepared
 * statements are off because a transaction pooler may hand each transaction another server
 * connection, and all session state is transaction-local (see scope.ts).
 */
export function openPostgresJs(options: PostgresJsOptions): Database {
  const sql = postgres(options.url, {
    prepare: false,
    max: options.maxConnections,
    idle_timeout: options.idleTimeoutSeconds,
    connect_timeout: options.connectTimeoutSeconds,
    onnotice: () => {},
  });

  const queryable = (tx: postgres.Sql | postgres.TransactionSql): Queryable => ({
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const rows = await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
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
        const reserved = connection;
        // Everything is queued before anything is awaited, so postgres.js pipelines the whole
        // transaction in one write: one round trip. When a statement fails the server skips to
        // its sync point, later statements fail as "transaction aborted" and COMMIT turns into a
        // rollback: all or nothing.
        const send = (statement: Statement) =>
          reserved.unsafe(
            statement.text,
            (statement.params ?? []) as postgres.ParameterOrJSON<never>[],
          );
        const pending = [
          reserved.unsafe("begin"),
          send(scopeStatement(scope)),
          ...statements.map(send),
          reserved.unsafe("commit"),
        ];
        const settled = await Promise.allSettled(pending);
        const failure = settled.find((result) => result.status === "rejected");
        if (failure) throw failure.reason;
        return settled.slice(2, -1).map((result) =>
          result.status === "fulfilled" ? ([...result.value] as Row[]) : []
        );
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
        await sql`select 1`;
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
