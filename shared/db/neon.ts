import { Client, neon, neonConfig, Pool, type PoolClient } from "@neondatabase/serverless";
import type { Database, Queryable, Row, Scope, Statement } from "./database.ts";
import { abortable, type Attempt, type Driver } from "./driver.ts";
import { DatabaseError, toDatabaseError } from "./errors.ts";
import { PING_QUERY } from "./ping.ts";
import { type DatabaseLimits, DEFAULT_LIMITS, resilientDatabase } from "./resilient.ts";
import { beginScopeScript, scopeStatements } from "./scope.ts";

export interface NeonOptions {
  url: string;
  maxConnections: number;
  idleTimeoutSeconds: number;
  connectTimeoutSeconds: number;
  /**
   * Send scoped transactions as one HTTP request (`transaction([...])`). Off: send them over the
   * WebSocket pool like everything else.
   */
  useHttp: boolean;
  /** `host:port` of a WebSocket-to-TCP proxy (websockify) for a PostgreSQL that is not Neon's. */
  wsProxy?: string;
  /** URL of an endpoint speaking Neon's `/sql` protocol, for a PostgreSQL that is not Neon's. */
  httpEndpoint?: string;
  /** Deadlines, queue and retries (see resilient.ts); defaults for what is not given. */
  limits?: Partial<DatabaseLimits>;
}

/**
 * Neon's serverless driver. Scoped transactions are non-interactive (context first, then the
 * work), which is exactly what one `transaction([...])` HTTP request can carry; interactive
 * transactions (migrations) take a WebSocket connection from the pool. Neither path can cancel
 * a statement on the server: an abandoned run drops its request or connection, and the
 * transaction's statement_timeout ends what still runs.
 */
export function openNeon(options: NeonOptions): Database {
  configureTransport(options);
  const poolOf = (max: number) => {
    const pool = new Pool({
      connectionString: options.url,
      max,
      idleTimeoutMillis: options.idleTimeoutSeconds * 1000,
      connectionTimeoutMillis: options.connectTimeoutSeconds * 1000,
    });
    pool.Client = ListeningClient;
    // An idle connection that the server drops emits 'error' on the pool; unheard, it would end
    // the process. The pool discards that connection and opens a new one when next needed.
    pool.on("error", () => {});
    return pool;
  };
  const pool = poolOf(options.maxConnections);
  // `ping` has a connection of its own, so it is never queued behind the runs.
  const healthPool = poolOf(1);
  const http = neon(options.url);

  const checkOut = async (from: Pool, signal?: AbortSignal): Promise<PoolClient> => {
    const connecting = from.connect();
    let client: PoolClient;
    try {
      client = signal ? await abortable(connecting, signal) : await connecting;
    } catch (error) {
      // Abandoned while connecting: the connection is closed once it is made.
      connecting.then((late) => late.release(true), () => {});
      throw error;
    }
    return client;
  };

  /**
   * Runs `work` on a pooled client and gives the client back clean: after a statement the
   * server refused, ROLLBACK ends the transaction and the client is reused; after anything else
   * (a lost connection, an abandoned run) it is released with the error, so the pool discards
   * it rather than hand out a connection in an unknown state.
   */
  const withClient = async <T>(
    work: (client: PoolClient, bound: <R>(query: Promise<R>) => Promise<R>) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> => {
    const client = await checkOut(pool, signal);
    const bound = <R>(query: Promise<R>) => signal ? abortable(query, signal) : query;
    try {
      const result = await work(client, bound);
      client.release();
      return result;
    } catch (error) {
      const failure = toDatabaseError(error);
      let clean = false;
      if (failure instanceof DatabaseError && !signal?.aborted) {
        clean = await bound(client.query("rollback")).then(() => true, () => false);
      }
      client.release(clean ? undefined : failure);
      throw signal?.aborted ? signal.reason : failure;
    }
  };

  const interactive = <T>(work: (tx: Queryable) => Promise<T>) =>
    withClient(async (client) => {
      await client.query("begin");
      const result = await work({
        async query<R extends Row>(text: string, params: readonly unknown[] = []) {
          return (await client.query(text, [...params])).rows as R[];
        },
        async exec(script: string) {
          await client.query(script);
        },
      });
      await client.query("commit");
      return result;
    });

  const attemptOverWebSocket = (
    scope: Scope,
    statements: readonly Statement[],
    { signal, limits, commitSent }: Attempt,
  ) =>
    withClient(async (client, bound) => {
      // node-postgres waits for each reply, so BEGIN, the context and the timeouts travel as
      // one message; COMMIT goes after the last statement has answered.
      await bound(client.query(beginScopeScript(scope, limits)));
      const results: Row[][] = [];
      for (const statement of statements) {
        results.push(
          (await bound(client.query(statement.text, [...(statement.params ?? [])]))).rows,
        );
      }
      commitSent();
      await bound(client.query("commit"));
      return results;
    }, signal);

  const attemptOverHttp = async (
    scope: Scope,
    statements: readonly Statement[],
    { signal, limits, commitSent }: Attempt,
  ): Promise<Row[][]> => {
    const context = scopeStatements(scope, limits);
    const all = [...context, ...statements];
    // The request carries COMMIT with the statements: once it is sent, a lost reply leaves the
    // outcome unknown. A SQLSTATE in the reply means the transaction was rolled back.
    commitSent();
    try {
      const results = await http.transaction(
        all.map((statement) => http.query(statement.text, [...(statement.params ?? [])])),
        { fetchOptions: { signal } },
      );
      return (results as Row[][]).slice(context.length);
    } catch (error) {
      throw signal.aborted ? signal.reason : toDatabaseError(error);
    }
  };

  const driver: Driver = {
    name: "neon",
    capacity: options.maxConnections,
    attempt: options.useHttp ? attemptOverHttp : attemptOverWebSocket,
    transaction: (work) => interactive(work),
    async ping(signal: AbortSignal) {
      if (options.useHttp) {
        const [row] = await http.query(PING_QUERY, [], { fetchOptions: { signal } });
        return { migrated: row.migrated === true };
      }
      const client = await checkOut(healthPool, signal);
      try {
        const { rows: [row] } = await abortable(client.query(PING_QUERY), signal);
        client.release();
        return { migrated: row.migrated === true };
      } catch (error) {
        client.release(true);
        throw error;
      }
    },
    async close() {
      await Promise.all([pool.end(), healthPool.end()]);
    },
  };
  return resilientDatabase(driver, { ...DEFAULT_LIMITS, ...options.limits });
}

/**
 * A client that always has an 'error' listener. A connection the server ends (a terminated
 * backend, a shutdown) makes its client emit 'error' when no query of its is running, and an
 * EventEmitter with no listener throws that error out of the socket's event handler, which ends
 * the process. The pool listens only at certain moments of a client's life, and listening from
 * check-out on proved not enough: under load, terminated backends still ended the server now and
 * then. The failure itself still reaches whoever uses the client: its next query fails, and the
 * pool drops the client.
 */
class ListeningClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on("error", () => {});
  }
}

/** Points the driver at a local WebSocket proxy and `/sql` endpoint when they are configured. */
function configureTransport(options: NeonOptions): void {
  if (options.wsProxy) {
    const proxy = options.wsProxy;
    neonConfig.wsProxy = () => `${proxy}/`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  if (options.httpEndpoint) neonConfig.fetchEndpoint = options.httpEndpoint;
}
