/**
 * A TCP proxy for tests and benchmarks that sits between a database client and its server:
 * it counts round trips (each time the client speaks again after the server answered), can add
 * latency to every forwarded chunk, and can cut every connection to play a database outage.
 */
export interface TcpProxy {
  readonly port: number;
  /** Client turns since the last reset: a pipelined batch counts once. */
  readonly roundTrips: number;
  resetCount(): void;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export function startTcpProxy(
  target: { hostname: string; port: number },
  options: { delayMs?: number } = {},
): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let roundTrips = 0;
  let accepting = true;

  const pipe = async (from: Deno.Conn, to: Deno.Conn, onChunk: () => void) => {
    try {
      for await (const chunk of from.readable) {
        onChunk();
        if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        const writer = to.writable.getWriter();
        try {
          await writer.write(chunk);
        } finally {
          writer.releaseLock();
        }
      }
    } catch {
      // The other side went away or the proxy cut the connection.
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  };

  const serve = async () => {
    for await (const client of listener) {
      if (!accepting) {
        closeQuietly(client);
        continue;
      }
      let server: Deno.Conn;
      try {
        server = await Deno.connect(target);
      } catch {
        closeQuietly(client);
        continue;
      }
      open.add(client).add(server);
      // Reading from both sides at once is what makes this count turns, not chunks.
      let clientSpokeLast = false;
      pipe(client, server, () => {
        if (!clientSpokeLast) roundTrips++;
        clientSpokeLast = true;
      }).finally(() => open.delete(client));
      pipe(server, client, () => {
        clientSpokeLast = false;
      }).finally(() => open.delete(server));
    }
  };
  const serving = serve().catch(() => {});

  const closeAll = () => {
    for (const conn of open) closeQuietly(conn);
    open.clear();
  };

  return {
    port: (listener.addr as Deno.NetAddr).port,
    get roundTrips() {
      return roundTrips;
    },
    resetCount() {
      roundTrips = 0;
    },
    cut() {
      accepting = false;
      closeAll();
    },
    restore() {
      accepting = true;
    },
    async close() {
      accepting = false;
      listener.close();
      closeAll();
      await serving;
    },
  };
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
