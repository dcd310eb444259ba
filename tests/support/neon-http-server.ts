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

interface QueryData {
  query: string;
  params?: unknown[];
}

export function startNeonHttpServer(): NeonHttpServer {
  const clients = new Map<string, postgres.Sql>();
  let requests = 0;
  const clientFor = (connectionString: string) => {
    let sql = clients.get(connectionString);
    if (!sql) {
      sql = postgres(connectionString, { max: 4, prepare: false, onnotice: () => {} });
      clients.set(connectionString, sql);
    }
    return sql;
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    requests++;
    const connectionString = req.headers.get("neon-connection-string");
    if (req.method !== "POST" || !connectionString) {
      return new Response("bad request", { status: 400 });
    }
    const body = await req.json() as QueryData | { queries: QueryData[] };
    const sql = clientFor(connectionString);
    try {
      if ("queries" in body) {
        const results = await sql.begin((tx) => body.queries.map((q) => execute(tx, q)));
        return Response.json({ results });
      }
      return Response.json(await execute(sql, body));
    } catch (error) {
      const e = error as Record<string, unknown>;
      if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) {
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
      await Promise.all([...clients.values()].map((sql) => sql.end({ timeout: 1 })));
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
