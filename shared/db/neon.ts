import { neon, neonConfig, Pool, type PoolClient } from "@neondatabase/serverless";
import type { Database, Queryable, Row, Scope, Statement } from "./database.ts";
import { toDatabaseError } from "./errors.ts";
import { PING_QUERY } from "./ping.ts";
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
}

/**
 * Neon's serverless driver. Scoped transactions are non-interactive (context first, then the
 * work), which is exactly what one `transaction([...])` HTTP request can carry; interactive
 * transactions (migrations) take a WebSocket connection from the pool.
 */
export function openNeon(options: NeonOptions): Database {
  configureTransport(options);
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections,
    idleTimeoutMillis: options.idleTimeoutSeconds * 1000,
    connectionTimeoutMillis: options.connectTimeoutSeconds * 1000,
  });
  // An idle connection that the server drops emits 'error' on the pool; unheard, it would end
  // the process. The pool discards that connection and opens a new one when next needed.
  pool.on("error", () => {});
  const http = neon(options.url);

  // A checked-out client whose connection drops emits 'error' too; the failing query reports it.
  const listening = new WeakSet<PoolClient>();
  const withClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
    let client: PoolClient | undefined;
    let broken: Error | undefined;
    try {
      client = await pool.connect();
      if (!listening.has(client)) {
        client.on("error", () => {});
        listening.add(client);
      }
      return await work(client);
    } catch (error) {
      broken = toDatabaseError(error);
      throw broken;
    } finally {
      // A client whose transaction failed is released with the error, so the pool discards it
      // rather than hand out a connection in an unknown state.
      client?.release(broken);
    }
  };

  const interactive = <T>(work: (tx: Queryable) => Promise<T>, begin = "begin") =>
    withClient(async (client) => {
      await client.query(begin);
      try {
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
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      }
    });

  const runOverHttp = async (statements: readonly Statement[]): Promise<Row[][]> => {
    try {
      const results = await http.transaction(
        statements.map((statement) => http.query(statement.text, [...(statement.params ?? [])])),
      );
      return results as Row[][];
    } catch (error) {
      throw toDatabaseError(error);
    }
  };

  return {
    driver: "neon",
    async run(scope: Scope, statements: readonly Statement[]) {
      if (options.useHttp) {
        const context = scopeStatements(scope);
        return (await runOverHttp([...context, ...statements])).slice(context.length);
      }
      // node-postgres waits for each reply, so BEGIN and the context travel as one message.
      return await interactive(async (tx) => {
        const results: Row[][] = [];
        for (const statement of statements) {
          results.push(await tx.query(statement.text, statement.params));
        }
        return results;
      }, beginScopeScript(scope));
    },
    transaction: (work) => interactive(work),
    async ping() {
      const [row] = options.useHttp
        ? (await runOverHttp([{ text: PING_QUERY }]))[0]
        : (await withClient((client) => client.query(PING_QUERY))).rows;
      return { migrated: row.migrated === true };
    },
    async close() {
      await pool.end();
    },
  };
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
