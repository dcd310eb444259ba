/**
 * COPY ... FROM STDIN through postgres.js: text-format escaping, writes with backpressure, and
 * a reliable end. postgres.js resolves the COPY query as soon as the stream opens and signals
 * success by emitting `finish` when the server confirms the COPY; an error the server raises
 * after the last bytes were sent (a constraint violation in the final rows) reaches nobody and
 * `finish` simply never comes. `copyIn` therefore queues a probe query behind the COPY on the
 * same connection: when the probe answers and `finish` has not come, the COPY failed.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import type postgres from "postgres";

/** Strings are joined up to about this size before a write: fewer, larger CopyData messages. */
const FLUSH_CHARS = 1024 * 1024;
/** How long `finish` may trail the probe's answer before the COPY counts as failed. */
const FINISH_GRACE_MS = 1_000;

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One field in COPY text format: backslash, newline, carriage return and tab escaped. */
export function copyField(value: string | number): string {
  return typeof value === "number"
    ? String(value)
    : value.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]);
}

/** One row in COPY text format: tab-separated fields ending with a newline. */
export function copyLine(fields: readonly (string | number)[]): string {
  return fields.map(copyField).join("\t") + "\n";
}

/**
 * Runs `statement` (a `copy ... from stdin`) on a connection of its own and streams `lines`
 * into it. Lines are produced lazily, so formatting overlaps with the server's parsing.
 */
export async function copyIn(
  sql: postgres.Sql,
  statement: (connection: postgres.ReservedSql) => postgres.PendingQuery<postgres.Row[]>,
  lines: Iterable<string>,
): Promise<void> {
  const connection = await sql.reserve();
  try {
    const stream = await statement(connection).writable();
    const finished = once(stream, "finish").then(() => "finished" as const);
    // Awaited below; marked handled now so an error while writing is not also unhandled.
    finished.catch(() => {});
    let buffered = "";
    for (const line of lines) {
      if (buffered.length >= FLUSH_CHARS) {
        await write(stream, buffered);
        buffered = "";
      }
      buffered += line;
    }
    // postgres.js refuses any query on the connection ("COPY_IN_PROGRESS") until the stream's
    // final step has run, and that waits for every write to reach the socket. The last write
    // is therefore awaited until it is flushed (so all are: writes go out in order), and the
    // probe goes after the ticks that run the final step.
    if (buffered) await flushed(stream, buffered);
    stream.end();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const probe = connection`select 1`.then(() => "probe" as const);
    if (await Promise.race([finished, probe]) === "probe") {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(resolve, FINISH_GRACE_MS, "late");
      });
      const outcome = await Promise.race([finished, late]).finally(() => clearTimeout(timer));
      if (outcome === "late") {
        throw new Error("COPY failed at its end (postgres.js drops that error: see server log)");
      }
    }
  } finally {
    connection.release();
  }
}

/** Writes and, when the stream's buffer is full, waits for it to drain (or to fail). */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

/** Writes and waits until the stream has handed the text to the socket. */
function flushed(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => error ? reject(error) : resolve());
  });
}

/** Formats each item only when the COPY is ready for it, so lines are never all in memory. */
export function* lazyLines<T>(items: Iterable<T>, line: (item: T) => string): Generator<string> {
  for (const item of items) yield line(item);
}
