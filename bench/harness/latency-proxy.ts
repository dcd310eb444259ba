/**
 * A TCP proxy that adds a fixed one-way delay to everything it forwards, to play a database that
 * is a few milliseconds away (an edge function talking to a regional PostgreSQL) on one machine.
 *
 * It delays without throttling: every chunk read is stamped with its arrival time and queued,
 * and a separate loop per direction writes it out, in order, once `oneWayMs` has passed. Reading
 * never waits for earlier chunks to be delivered, so a bulk transfer (COPY, a large batch) takes
 * the latency once rather than once per chunk. tests/support/tcp-proxy.ts sleeps before each
 * write instead, which caps throughput at one chunk per delay; that is right for counting round
 * trips but would make every bulk path here look latency-bound.
 */
export interface LatencyProxy {
  readonly port: number;
  close(): Promise<void>;
}

const READ_BUFFER_BYTES = 64 * 1024;
/**
 * Deno's timers fire about a millisecond after the whole milliseconds asked for, and never
 * sooner than ~2 ms, so a 2.5 ms delay cannot be hit exactly. The relay asks for one millisecond
 * less than it needs, rounded down or up, choosing whichever brings its accumulated lateness
 * back towards zero, and delivers up to this much early rather than set another timer. Single
 * delays come out about 0.5 ms early or late; their average is the one asked for.
 */
const TIMER_LAG_MS = 1;
const EARLY_TOLERANCE_MS = 1;

export function startLatencyProxy(
  target: { hostname: string; port: number },
  options: { oneWayMs: number },
): LatencyProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();

  const serve = async () => {
    for await (const client of listener) {
      let server: Deno.TcpConn;
      try {
        server = await Deno.connect(target);
      } catch {
        closeQuietly(client);
        continue;
      }
      // Nagle's algorithm would hold back small writes (a query after a reply) for tens of
      // milliseconds and swamp the latency being simulated.
      client.setNoDelay(true);
      server.setNoDelay(true);
      open.add(client).add(server);
      const forget = () => {
        closeQuietly(client);
        closeQuietly(server);
        open.delete(client);
        open.delete(server);
      };
      Promise.all([
        relay(client, server, options.oneWayMs),
        relay(server, client, options.oneWayMs),
      ]).finally(forget);
    }
  };
  const serving = serve().catch(() => {
    // The listener was closed.
  });

  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const conn of open) closeQuietly(conn);
      open.clear();
      await serving;
    },
  };
}

interface Pending {
  readonly bytes: Uint8Array;
  /** performance.now() at which the bytes may be delivered. */
  readonly due: number;
}

/** Forwards one direction: reads into a queue as fast as data comes, writes each when due. */
async function relay(from: Deno.Conn, to: Deno.TcpConn, delayMs: number): Promise<void> {
  const queue: Pending[] = [];
  let ended = false;
  let wake: (() => void) | undefined;

  const reading = (async () => {
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        queue.push({ bytes: buffer.slice(0, n), due: performance.now() + delayMs });
        wake?.();
      }
    } catch {
      // The connection was closed or reset; deliver what was read, then stop.
    } finally {
      ended = true;
      wake?.();
    }
  })();

  // Sum of (delivered - due) over this direction's deliveries, in milliseconds, kept within
  // ±EARLY_TOLERANCE_MS so that a backlog (a bulk transfer the receiver reads slowly) does not
  // leave it far off zero and bias every delay after it.
  let lateness = 0;
  try {
    while (true) {
      if (queue.length === 0) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const head = queue[0];
      const wait = head.due - performance.now();
      if (wait > EARLY_TOLERANCE_MS || (wait > 0 && lateness <= 0)) {
        const ask = wait - TIMER_LAG_MS;
        const ms = Math.max(0, lateness > 0 ? Math.floor(ask) : Math.ceil(ask));
        await new Promise((resolve) => setTimeout(resolve, ms));
        continue;
      }
      const now = performance.now();
      lateness = Math.min(
        EARLY_TOLERANCE_MS,
        Math.max(-EARLY_TOLERANCE_MS, lateness + now - head.due),
      );
      await writeAll(to, takeDue(queue, Math.max(now, head.due)));
    }
    // Pass the end of the stream on, so the other side sees the close after the last bytes.
    await to.closeWrite().catch(() => {});
  } catch {
    closeQuietly(from);
    closeQuietly(to);
  }
  await reading;
}

/** Removes the chunks due by `cutoff` (at least the head) and joins them into one write. */
function takeDue(queue: Pending[], cutoff: number): Uint8Array {
  let count = 0;
  let length = 0;
  while (count < queue.length && queue[count].due <= cutoff) length += queue[count++].bytes.length;
  const due = queue.splice(0, count);
  if (due.length === 1) return due[0].bytes;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const { bytes } of due) {
    joined.set(bytes, offset);
    offset += bytes.length;
  }
  return joined;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** `url` with its host and port replaced by the latency proxy's. */
export function throughProxy(url: string, port: number): string {
  const through = new URL(url);
  through.hostname = "127.0.0.1";
  through.port = String(port);
  return through.toString();
}
