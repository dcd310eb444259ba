/**
 * A TCP proxy for tests and benchmarks that sits between a database client and its server:
 * it counts round trips (each time the client speaks again after the server answered), and
 * plays the network's faults on command: latency on every chunk, connections cut, connections
 * stalled (held open, nothing forwarded), new connections refused, and a reply lost after the
 * client's message reached the server.
 */
export interface TcpProxy {
  readonly port: number;
  /** Client turns since the last reset: a pipelined batch counts once. */
  readonly roundTrips: number;
  /** Connections open through the proxy now (each counts once, not per socket). */
  readonly connections: number;
  resetCount(): void;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  /** Refuses new connections until `restore()`; open ones go on. */
  refuse(): void;
  /**
   * Holds every connection, open and new: nothing is forwarded either way until `restore()`,
   * which delivers what was held, as a healed network would. Sockets stay open, as they do when
   * a route drops packets silently.
   */
  stall(): void;
  /** Delays every forwarded chunk by `ms` (0: none). */
  slow(ms: number): void;
  /**
   * The next client chunk that contains `marker` is forwarded and its connection then cut
   * before anything comes back: the server acts on the message, the client never hears of it.
   * Resolves once that happened.
   */
  loseReplyTo(marker: string): Promise<void>;
  /** Ends every fault: connections are accepted, held bytes flow, the delay is the initial one. */
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
  let pairs = 0;
  let accepting = true;
  let delayMs = options.delayMs ?? 0;
  let flowing: Promise<void> = Promise.resolve();
  let release: () => void = () => {};
  let loseReply: { marker: Uint8Array; done: () => void } | undefined;

  /**
   * Forwards `from` to `to`. `onRead` sees each chunk as it arrives and may ask for the
   * connection to be cut once it is forwarded (`cut`), or instead of forwarding it (`drop`);
   * `onWritten` runs once a chunk is delivered. `keepTarget` leaves `to` open when this
   * direction ends, for the other direction to close.
   */
  const pipe = async (
    from: Deno.Conn,
    to: Deno.Conn,
    { onRead = () => "forward", onWritten = () => {}, keepTarget = () => false }: {
      onRead?: (chunk: Uint8Array) => "forward" | "cut" | "drop";
      onWritten?: () => void;
      keepTarget?: () => boolean;
    },
  ) => {
    try {
      for await (const chunk of from.readable) {
        const verdict = onRead(chunk);
        if (verdict === "drop") break;
        const cutAfter = verdict === "cut";
        await flowing;
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const writer = to.writable.getWriter();
        try {
          await writer.write(chunk);
        } finally {
          writer.releaseLock();
        }
        onWritten();
        if (cutAfter) break;
      }
    } catch {
      // The other side went away or the proxy cut the connection.
    } finally {
      closeQuietly(from);
      if (!keepTarget()) closeQuietly(to);
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
      pairs++;
      // Reading from both sides at once is what makes this count turns, not chunks: the client
      // takes a new turn when it speaks after an answer was delivered to it. Writes it made
      // before that (a pipeline flushed in two writes) belong to the turn they continue.
      let clientSpokeLast = false;
      // Once the marked message is on its way the client's side is cut at once, but the
      // server's stays open until its reply arrives (and is dropped): closed earlier, the server
      // could see the connection reset before it read the message, and never act on it.
      let losingReply = false;
      let ended = 0;
      const end = () => {
        if (++ended === 2) pairs--;
      };
      pipe(client, server, {
        onRead(chunk) {
          if (!clientSpokeLast) roundTrips++;
          clientSpokeLast = true;
          if (loseReply && contains(chunk, loseReply.marker)) {
            const { done } = loseReply;
            loseReply = undefined;
            losingReply = true;
            queueMicrotask(done);
            return "cut";
          }
          return "forward";
        },
        keepTarget: () => losingReply,
      }).finally(() => {
        open.delete(client);
        end();
      });
      pipe(server, client, {
        onRead: () => losingReply ? "drop" : "forward",
        onWritten() {
          clientSpokeLast = false;
        },
      }).finally(() => {
        open.delete(server);
        end();
      });
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
    get connections() {
      return pairs;
    },
    resetCount() {
      roundTrips = 0;
    },
    cut() {
      accepting = false;
      closeAll();
    },
    refuse() {
      accepting = false;
    },
    stall() {
      release();
      flowing = new Promise((resolve) => release = resolve);
    },
    slow(ms: number) {
      delayMs = ms;
    },
    loseReplyTo(marker: string) {
      return new Promise((done) => {
        loseReply = { marker: new TextEncoder().encode(marker), done };
      });
    },
    restore() {
      accepting = true;
      delayMs = options.delayMs ?? 0;
      release();
      flowing = Promise.resolve();
    },
    async close() {
      accepting = false;
      listener.close();
      release();
      closeAll();
      await serving;
    },
  };
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
