import { connect as connectTcp, type Socket } from "node:net";
import postgres from "postgres";
import type { Database, Queryable, Row, Scope, Statement } from "./database.ts";
import { abortable, type Attempt, type Driver } from "./driver.ts";
import { DatabaseError, DatabaseUnavailableError, toDatabaseError } from "./errors.ts";
import { type DatabaseLimits, DEFAULT_LIMITS, resilientDatabase } from "./resilient.ts";
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
/** Sends one statement on a reserved connection: parameterless text uses the simple protocol. */
type Send = (text: string, params?: readonly unknown[]) => Promise<unknown>;

interface Client {
  readonly sql: postgres.Sql;
  /** The socket closed; it is discarded when next taken. */
  closed: boolean;
  /**
   * A first query has run. Without the type fetch, postgres.js loses a `reserve()` that opens
   * the connection (it resolves it only after that fetch), so a new client runs `select 1`
   * first: the round trip the fetch took.
   */
  opened: boolean;
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

  const socket = noDelaySockets();
  const connect = (): Client => {
    const settings = {
      // A documented option (a custom socket) that the type definitions leave out.
      socket,
      prepare,
      // postgres.js fetches the array types on a new connection from inside a message handler
      // that drops the promise: a backend terminated during that fetch rejects it unheard, which
      // ends the process. Parameters reach pgrag's SQL as text and JSON, and no result it reads
      // is a PostgreSQL array, so there is nothing to fetch (but see `opened`).
      fetch_types: false,
      max: 1,
      idle_timeout: options.idleTimeoutSeconds,
      connect_timeout: options.connectTimeoutSeconds,
      onnotice: () => {},
      onclose: () => {
        client.closed = true;
        client.onClose?.();
      },
    };
    const client: Client = { closed: false, opened: false, sql: postgres(options.url, settings) };
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

  /**
   * Runs `work` on the reserved connection of `client`, every query of it through `send`, and
   * says whether the client is fit for reuse. Every wait ends when the socket closes or `signal`
   * aborts; nothing is ever written to a closed socket (postgres.js would throw from a timer);
   * an abandoned run has its statement cancelled on the server. A statement the server refused
   * leaves a live connection in an aborted transaction: once every queued statement has
   * answered, ROLLBACK makes it clean to reuse. Anything else leaves it in doubt: discarded.
   */
  const onConnection = async <T>(
    client: Client,
    work: (send: Send) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<{ result: T; reusable: true } | { error: Error; reusable: boolean }> => {
    const pending: (Promise<unknown> & { cancel(): void })[] = [];
    const closed = new Promise<never>((_, reject) => {
      client.onClose = () => reject(new DatabaseUnavailableError("the connection closed"));
    });
    closed.catch(() => {});
    const settle = <R>(work: Promise<R>) => {
      const raced = Promise.race([work, closed]);
      return signal ? abortable(raced, signal) : raced;
    };
    let connection: postgres.ReservedSql | undefined;
    try {
      if (!client.opened) {
        await settle(client.sql.unsafe("select 1"));
        client.opened = true;
      }
      connection = await settle(client.sql.reserve());
      const reserved = connection;
      const send: Send = (text, params) => {
        if (client.closed || signal?.aborted) {
          return Promise.reject(new DatabaseUnavailableError("the connection closed"));
        }
        const query = params
          ? reserved.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare })
          : reserved.unsafe(text);
        // Read through `settle`; one left behind by a failure must not reject unheard.
        query.catch(() => {});
        pending.push(query);
        return settle(query);
      };
      try {
        const result = await work(send);
        connection.release();
        return { result, reusable: true };
      } catch (error) {
        const failure = toDatabaseError(error);
        if (failure instanceof DatabaseError && !signal?.aborted && !client.closed) {
          await settle(Promise.allSettled(pending));
          await send("rollback");
          connection.release();
          return { error: failure, reusable: true };
        }
        throw failure;
      }
    } catch (error) {
      if (signal?.aborted) {
        // Cancels the statement running on the server (postgres.js sends a CancelRequest on a
        // connection of its own) and drops those not sent yet.
        for (const query of pending) query.cancel();
      }
      return { error: signal?.aborted ? signal.reason : toDatabaseError(error), reusable: false };
    } finally {
      client.onClose = undefined;
    }
  };

  /** `onConnection` on a client of the pool, given back or discarded after. */
  const pooled = async <T>(work: (send: Send) => Promise<T>, signal?: AbortSignal) => {
    const client = take();
    const outcome = await onConnection(client, work, signal);
    if (outcome.reusable) giveBack(client);
    else discard(client);
    if ("error" in outcome) throw outcome.error;
    return outcome.result;
  };

  const attempt = (
    scope: Scope,
    statements: readonly Statement[],
    { signal, limits, commitSent }: Attempt,
  ): Promise<Row[][]> =>
    pooled(async (send) => {
      // Everything is queued before anything is awaited, so postgres.js pipelines what it can:
      // BEGIN, the context and the timeouts go as one simple-protocol message together with
      // the first statement. Without prepared statements postgres.js describes each
      // parameterized statement before executing it, which costs one more round trip and ends
      // the pipeline, so COMMIT is sent after the last statement has answered, in a round trip
      // of its own as it always was; with prepared statements it goes in the same write as the
      // rest, and the whole transaction is one round trip, at the price of a lost connection
      // counting as lost during COMMIT (see retry.ts).
      const opened = send(beginScopeScript(scope, limits));
      const results = statements.map((statement) => send(statement.text, statement.params ?? []));
      if (prepare) commitSent();
      const committed = prepare ? send("commit") : undefined;
      const rows = await Promise.all([opened, ...results]);
      if (!prepare) commitSent();
      await (committed ?? send("commit"));
      return rows.slice(1).map((result) => [...(result as Row[])]);
    }, signal);

  const driver: Driver = {
    name: "postgres",
    capacity: options.maxConnections,
    attempt,
    transaction: <T>(work: (tx: Queryable) => Promise<T>) =>
      pooled(async (send) => {
        await send("begin");
        const result = await work({
          async query<R extends Row>(text: string, params: readonly unknown[] = []) {
            return [...(await send(text, params) as R[])];
          },
          async exec(script: string) {
            // Without parameters postgres.js uses the simple protocol: several statements.
            await send(script);
          },
        });
        await send("commit");
        return result;
      }),
    async ping(signal: AbortSignal) {
      if (health.closed) {
        discard(health);
        health = connect();
      }
      const client = health;
      const outcome = await onConnection(client, (send) => send(PING_QUERY), signal);
      if ("error" in outcome) {
        // The next ping opens a fresh connection rather than queue behind a stalled one.
        if (!outcome.reusable && health === client) {
          health = connect();
          discard(client);
        }
        throw outcome.error;
      }
      const [row] = outcome.result as { migrated: boolean }[];
      return { migrated: row.migrated === true };
    },
    async close() {
      idle.length = 0;
      await Promise.all([...live].map((client) => client.sql.end({ timeout: 5 })));
      live.clear();
    },
  };
  return resilientDatabase(driver, { ...DEFAULT_LIMITS, ...options.limits });
}

/** What postgres.js hands a custom socket factory: the parsed hosts, ports and socket path. */
interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

/**
 * postgres.js's TCP sockets, with Nagle's algorithm off. postgres.js writes whenever 1 KiB of a
 * pipeline has gathered; with Nagle on, the write after that (COMMIT, often) waits for the
 * server to acknowledge the first, so a prepared transaction longer than 1 KiB cost two round
 * trips instead of one. Hosts are tried in turn, as postgres.js does with its own sockets.
 */
function noDelaySockets(): (target: SocketTarget) => Socket {
  let next = 0;
  return ({ host, port, path }) => {
    if (path) return connectTcp(path);
    const index = next++ % host.length;
    const socket = connectTcp(port[index] ?? port[0], host[index]);
    socket.setNoDelay(true);
    // postgres.js reads these for TLS (the server name) and its errors.
    return Object.assign(socket, { host: host[index], port: port[index] ?? port[0] });
  };
}
