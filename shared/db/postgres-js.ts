import postgres from "postgres";
import type { Database, Queryable, Row, Scope, Statement } from "./database.ts";
import { abortable, type Attempt, type Driver } from "./driver.ts";
import { DatabaseError, DatabaseUnavailableError, toDatabaseError } from "./errors.ts";
import { type DatabaseLimits, DEFAULT_LIMITS, resilientDatabase } from "./resilient.ts";
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
  /** Deadlines, queue and retries (see resilient.ts); defaults for what is not given. */
  limits?: Partial<DatabaseLimits>;
}

/**
 * One connection as a postgres.js client of its own (`max: 1`), so that it can be thrown away
 * whole. postgres.js cannot drop one connection of a pool, and a pool connection reused after
 * its socket closed misbehaves: queries queued on a reserved connection behind a describe stay
 * pending forever once its backend is killed, returning it puts a dead socket back into the
 * pool (the next query throws from a timer, which ends the process), and the next connect can
 * fail with the killed session's error and then hang. So a connection whose socket closed, whose
 * run was abandoned, or whose state is in doubt is discarded and a fresh client takes its place.
 */
interface Client {
  readonly sql: postgres.Sql;
  /** The socket closed; it is discarded when next taken. */
  closed: boolean;
  /** Set while a run holds the client: rejects that run the moment the socket closes. */
  onClose?: () => void;
}

/**
 * postgres.js over TCP: a direct connection, or Supavisor/PgBouncer in transaction mode. Prepared
 * statements are off by default because a transaction pooler may hand each transaction another
 * server connection, and all session state is transaction-local (see scope.ts).
 */
export function openPostgresJs(options: PostgresJsOptions): Database {
  // `unsafe()` never prepares unless told to, whatever the client option says.
  const prepare = options.prepare ?? false;
  const live = new Set<Client>();
  const idle: Client[] = [];

  const connect = (): Client => {
    const client: Client = {
      closed: false,
      sql: postgres(options.url, {
        prepare,
        max: 1,
        idle_timeout: options.idleTimeoutSeconds,
        connect_timeout: options.connectTimeoutSeconds,
        onnotice: () => {},
        onclose: () => {
          client.closed = true;
          client.onClose?.();
        },
      }),
    };
    live.add(client);
    return client;
  };
  const discard = (client: Client) => {
    live.delete(client);
    // Terminates the socket at once; whatever was still pending rejects.
    client.sql.end({ timeout: 0 }).catch(() => {});
  };
  const take = (): Client => {
    for (let client = idle.pop(); client; client = idle.pop()) {
      if (!client.closed) return client;
      discard(client);
    }
    return connect();
  };
  const giveBack = (client: Client) => {
    client.onClose = undefined;
    if (client.closed) discard(client);
    else idle.push(client);
  };
  let health = connect();

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

  const attempt = async (
    scope: Scope,
    statements: readonly Statement[],
    { signal, limits, commitSent }: Attempt,
  ): Promise<Row[][]> => {
    const client = take();
    const pending: (Promise<unknown> & { cancel(): void })[] = [];
    let reusable = false;
    // Every wait ends when the socket closes or the run is abandoned, whichever comes first.
    const closed = new Promise<never>((_, reject) => {
      client.onClose = () => reject(new DatabaseUnavailableError("the connection closed"));
    });
    closed.catch(() => {});
    const settle = <T>(work: Promise<T>) => abortable(Promise.race([work, closed]), signal);
    try {
      const connection = await settle(client.sql.reserve());
      const send = (text: string, params?: readonly unknown[]) => {
        const query = params
          ? connection.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare })
          : connection.unsafe(text);
        // Read through `settle`; one left behind by a failure must not reject unheard.
        query.catch(() => {});
        pending.push(query);
        return query;
      };
      try {
        // Everything is queued before anything is awaited, so postgres.js pipelines what it
        // can: BEGIN, the context and the timeouts go as one simple-protocol message together
        // with the first statement. Without prepared statements postgres.js describes each
        // parameterized statement before executing it, which costs one more round trip and
        // ends the pipeline, so COMMIT is sent after the last statement has answered, in a
        // round trip of its own as it always was; with prepared statements it goes in the same
        // write as the rest, and the whole transaction is one round trip, at the price of a
        // lost connection counting as lost during COMMIT (see retry.ts).
        const opened = send(beginScopeScript(scope, limits));
        const results = statements.map((statement) => send(statement.text, statement.params ?? []));
        if (prepare) commitSent();
        const committed = prepare ? send("commit") : undefined;
        const rows = await settle(Promise.all([opened, ...results]));
        if (!prepare) commitSent();
        await settle(committed ?? send("commit"));
        reusable = true;
        connection.release();
        return rows.slice(1).map((result) => [...result] as Row[]);
      } catch (error) {
        const failure = toDatabaseError(error);
        // A statement the server refused leaves a live connection in an aborted transaction:
        // once every queued statement has answered, ROLLBACK makes it clean to reuse.
        if (failure instanceof DatabaseError && !signal.aborted && !client.closed) {
          await settle(Promise.allSettled(pending));
          await settle(send("rollback"));
          reusable = true;
          connection.release();
        }
        throw failure;
      }
    } catch (error) {
      if (signal.aborted) {
        // Cancels the statement running on the server (postgres.js sends a CancelRequest on a
        // connection of its own) and drops those not sent yet.
        for (const query of pending) query.cancel();
      }
      throw signal.aborted ? signal.reason : toDatabaseError(error);
    } finally {
      if (reusable) giveBack(client);
      else discard(client);
    }
  };

  const driver: Driver = {
    name: "postgres",
    capacity: options.maxConnections,
    attempt,
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = take();
      let reusable = false;
      try {
        const result = await client.sql.begin((tx) => work(queryable(tx))) as T;
        reusable = true;
        return result;
      } finally {
        if (reusable) giveBack(client);
        else discard(client);
      }
    },
    async ping(signal: AbortSignal) {
      const client = health;
      try {
        if (client.closed) throw new DatabaseUnavailableError("the connection closed");
        await abortable(client.sql`select 1`, signal);
      } catch (error) {
        // The next ping opens a fresh connection rather than queue behind a stalled one.
        if (health === client) health = connect();
        discard(client);
        throw error;
      }
    },
    async close() {
      idle.length = 0;
      await Promise.all([...live].map((client) => client.sql.end({ timeout: 5 })));
      live.clear();
    },
  };
  return resilientDatabase(driver, { ...DEFAULT_LIMITS, ...options.limits });
}
