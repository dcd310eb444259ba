import postgres from "postgres";

/**
 * A local stand-in for Neon's `/sql` HTTP endpoint, so the Neon HTTP driver path can be tested
 * against the local PostgreSQL. It speaks the same protocol: `POST /sql` with `{query, params}`
 * or `{queries: [...]}` (one transaction), the connection string in `Neon-Connection-String`,
 * rows as arrays of text values, and HTTP 400 with the server's error fields on failure.
 */
export interface NeonHttpServer {
  readonly url: string;
  /** HTTP requests served since the last reset: the driver's round trips. */
  readonly requests: number;
  resetCount(): void;
  close(): Promise<void>;
}

/** A SQLSTATE, and not one of Node's five-letter error codes (EPIPE). */
const SQLSTATE = /^(?=.*\d)(?!E)[0-9A-Z]{5}$/;

interface QueryData {
  query: string;
  params?: unknown[];
}

/** One connection of its own, so that one whose socket closed can be thrown away whole. */
interface Connection {
  readonly sql: postgres.Sql;
  closed: boolean;
  /** Without the type fetch postgres.js loses a `reserve()` that opens the connection. */
  opened: boolean;
}

export function startNeonHttpServer(): NeonHttpServer {
  const idle = new Map<string, Connection[]>();
  const live = new Set<Connection>();
  let requests = 0;
  const connectionFor = (connectionString: string): Connection => {
    const pool = idle.get(connectionString) ?? [];
    idle.set(connectionString, pool);
    for (let connection = pool.pop(); connection; connection = pool.pop()) {
      if (!connection.closed) return connection;
      live.delete(connection);
      connection.sql.end({ timeout: 0 }).catch(() => {});
    }
    const connection: Connection = {
      closed: false,
      opened: false,
      sql: postgres(connectionString, {
        max: 1,
        prepare: false,
        // Rows travel as raw text, so no type needs fetching; and the fetch postgres.js runs on
        // connecting rejects unhandled when the backend is killed first, ending the test process.
        fetch_types: false,
        connect_timeout: 5,
        onnotice: () => {},
        onclose: () => connection.closed = true,
      }),
    };
    live.add(connection);
    return connection;
  };
  /**
   * The queries on a connection of their own, in one transaction when there are several, as
   * Neon's endpoint runs them. Not `sql.begin`: when the backend is killed mid-transaction, its
   * ROLLBACK is written to the closed socket and postgres.js throws from a timer, which would end
   * the test process; nor a shared pool, whose connections misbehave once their backend was
   * killed. A connection that failed in any other way than a refused statement is thrown away.
   */
  const run = async (connectionString: string, queries: QueryData[], transactional: boolean) => {
    const connection = connectionFor(connectionString);
    let reusable = false;
    let reserved: postgres.ReservedSql | undefined;
    try {
      if (!connection.opened) {
        await connection.sql.unsafe("select 1");
        connection.opened = true;
      }
      reserved = await connection.sql.reserve();
      if (transactional) await reserved.unsafe("begin");
      const results = [];
      for (const query of queries) results.push(await execute(reserved, query));
      if (transactional) await reserved.unsafe("commit");
      reusable = true;
      return results;
    } catch (error) {
      // A statement refused with ERROR leaves the session alive; FATAL ends it.
      const { code, severity } = error as { code?: unknown; severity?: unknown };
      const refused = typeof code === "string" && SQLSTATE.test(code) && severity === "ERROR";
      if (reserved && refused && !connection.closed) {
        const rolledBack = reserved.unsafe("rollback").then(() => true, () => false);
        const late = new Promise<false>((resolve) => setTimeout(resolve, 1_000, false));
        reusable = await Promise.race([rolledBack, late]);
      }
      throw error;
    } finally {
      if (reusable) {
        reserved!.release();
        idle.get(connectionString)!.push(connection);
      } else {
        live.delete(connection);
        connection.sql.end({ timeout: 0 }).catch(() => {});
      }
    }
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    requests++;
    const connectionString = req.headers.get("neon-connection-string");
    if (req.method !== "POST" || !connectionString) {
      return new Response("bad request", { status: 400 });
    }
    const body = await req.json() as QueryData | { queries: QueryData[] };
    try {
      if ("queries" in body) {
        return Response.json({ results: await run(connectionString, body.queries, true) });
      }
      return Response.json((await run(connectionString, [body], false))[0]);
    } catch (error) {
      const e = error as Record<string, unknown>;
      if (typeof e.code === "string" && SQLSTATE.test(e.code)) {
        return Response.json({
          message: e.message,
          code: e.code,
          detail: e.detail,
          hint: e.hint,
          constraint: e.constraint_name,
          column: e.column_name,
          table: e.table_name,
          schema: e.schema_name,
          severity: e.severity,
        }, { status: 400 });
      }
      return new Response(String(error), { status: 500 });
    }
  });

  return {
    url: `http://127.0.0.1:${server.addr.port}/sql`,
    get requests() {
      return requests;
    },
    resetCount() {
      requests = 0;
    },
    async close() {
      await server.shutdown();
      await Promise.all([...live].map((connection) => connection.sql.end({ timeout: 1 })));
    },
  };
}

async function execute(sql: postgres.Sql | postgres.TransactionSql, q: QueryData) {
  const params = (q.params ?? []) as postgres.ParameterOrJSON<never>[];
  const result = await sql.unsafe(q.query, params).raw();
  const decoder = new TextDecoder();
  return {
    command: result.command,
    rowCount: result.count,
    fields: (result.columns ?? []).map((column) => ({
      name: column.name,
      dataTypeID: column.type,
    })),
    rows: [...result].map((row) =>
      (row as unknown as (Uint8Array | null)[]).map((value) =>
        value === null ? null : decoder.decode(value)
      )
    ),
  };
}
