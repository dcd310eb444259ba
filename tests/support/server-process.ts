import type { TestDriver } from "./database.ts";
import { TEST_EMBEDDING_DIM } from "./database.ts";

/** The real server (`functions/rag/index.ts`) in a process of its own. */
export interface ServerProcess {
  /** e.g. `http://127.0.0.1:41234` */
  readonly origin: string;
  readonly port: number;
  /** Whether the process has ended, killed or by itself. */
  exited(): boolean;
  /** Sends the signal; resolves once the process is gone. */
  kill(signal: Deno.Signal): Promise<Deno.CommandStatus>;
}

export interface ServerProcessOptions {
  /** What the server reads: its database settings and limits (see `driverEnv`). */
  env: Record<string, string>;
  /** Listen here, as a restarted server does on its predecessor's port; a free one by default. */
  port?: number;
  /** Each line the server writes (its JSON log), from stdout and stderr. */
  onLog?: (line: string) => void;
  /**
   * A bundle of the function to run instead of its source, as a deployment runs it: from the
   * bundle's folder, with no deno.json, import map or node_modules to fall back on.
   */
  bundle?: string;
}

/**
 * Starts the server process the way a deployment configures it (environment variables only),
 * and waits until `GET /health` answers 200.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = options.port ?? freePort();
  const logs = options.onLog ? "piped" : "null";
  // As `deno task start` runs it: the request's signal aborts only when the client goes away.
  const flags = [
    "--unstable-no-legacy-abort",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-write",
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: options.bundle
      ? ["run", "--no-config", "--no-lock", ...flags, options.bundle]
      : ["run", ...flags, ENTRYPOINT],
    cwd: options.bundle ? dirname(options.bundle) : undefined,
    env: { PORT: String(port), ...options.env },
    stdin: "null",
    stdout: logs,
    stderr: logs,
  }).spawn();
  if (options.onLog) {
    void readLines(child.stdout, options.onLog);
    void readLines(child.stderr, options.onLog);
  }
  let ended = false;
  void child.status.then(() => {
    ended = true;
  });
  const origin = `http://127.0.0.1:${port}`;
  const kill = async (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    return await child.status;
  };
  const deadline = Date.now() + 20_000;
  while (!(await answersHealth(origin))) {
    if (ended) throw new Error("the server process ended before it answered GET /health");
    if (Date.now() > deadline) {
      await kill("SIGKILL");
      throw new Error("the server process did not answer GET /health within 20 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { origin, port, kill, exited: () => ended };
}

const ENTRYPOINT = new URL("../../functions/rag/index.ts", import.meta.url).pathname;

/** Where a server process finds its database, through the driver under test. */
export interface DatabaseTarget {
  /** The database's connection string (the Neon WebSocket path reaches it via `wsProxy`). */
  databaseUrl: string;
  /** `host:port` of the websockify in front of PostgreSQL. */
  wsProxy: string;
  /** The local Neon `/sql` endpoint, for neon-http. */
  httpEndpoint?: string;
}

/** The environment that points the server at `target` through `driver`. */
export function driverEnv(driver: TestDriver, target: DatabaseTarget): Record<string, string> {
  const common = {
    DATABASE_URL: target.databaseUrl,
    PGRAG_EMBEDDING_DIM: String(TEST_EMBEDDING_DIM),
    PGRAG_MIGRATE_ON_START: "false",
    PGRAG_DB_MAX_CONNECTIONS: "4",
  };
  switch (driver) {
    case "postgres":
      return { ...common, PGRAG_DRIVER: "postgres" };
    case "neon-ws":
      return {
        ...common,
        PGRAG_DRIVER: "neon",
        PGRAG_NEON_HTTP: "false",
        PGRAG_NEON_WS_PROXY: target.wsProxy,
      };
    case "neon-http":
      if (!target.httpEndpoint) throw new Error("neon-http needs the local /sql endpoint");
      return {
        ...common,
        PGRAG_DRIVER: "neon",
        PGRAG_NEON_WS_PROXY: target.wsProxy,
        PGRAG_NEON_HTTP_ENDPOINT: target.httpEndpoint,
      };
    default:
      throw new Error("the server process runs on the server drivers only");
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function answersHealth(origin: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/rag/v1/health`, {
      signal: AbortSignal.timeout(1_000),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let rest = "";
  try {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + text).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line) onLine(line);
    }
  } catch {
    // The process ended.
  }
  if (rest) onLine(rest);
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}
