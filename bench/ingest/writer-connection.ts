/**
 * The connection a baseline path writes through: one postgres.js connection, as a single
 * writer has, with prepared statements on (asyncpg, the anchor's driver, prepares every
 * parameterized statement too), opened and warmed up before the clock starts.
 *
 * Its socket gets a large write buffer. postgres.js only sends the next queued query while
 * `socket.write()` reports room in the buffer (16 KiB by default); one chunk row with its
 * 1536-value vector as text is ~30 KB, so with the default every query filled the buffer, the
 * rest of a transaction waited for the previous reply, and "pipelined" batches cost one round
 * trip per row. asyncpg's executemany (the path being modelled) sends the whole batch at once.
 */
import net from "node:net";
import postgres from "postgres";

const WRITE_BUFFER_BYTES = 64 * 1024 * 1024;
/** More than the largest batch, so a whole batch is in flight at once. */
const MAX_PIPELINE = 1_000;

export async function openWriterConnection(url: string): Promise<postgres.Sql> {
  const { hostname, port } = new URL(url);
  const options = {
    max: 1,
    max_pipeline: MAX_PIPELINE,
    connect_timeout: 5,
    onnotice: () => {},
    // Neither option is in postgres.js's types; `socket` returns an already connected socket.
    socket: () => connectSocket(hostname, Number(port || 5432)),
  } as postgres.Options<Record<string, never>>;
  const sql = postgres(url, options);
  await sql`select 1`;
  return sql;
}

function connectSocket(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = new net.Socket(
      { writableHighWaterMark: WRITE_BUFFER_BYTES } as net.SocketConstructorOpts,
    );
    socket.setNoDelay(true);
    socket.once("error", reject);
    socket.connect(port, host, () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}
