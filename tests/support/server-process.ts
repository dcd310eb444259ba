import type { TestDatabase } from "./database.ts";
import { currentDriver, TEST_EMBEDDING_DIM, testServer } from "./database.ts";

/** The real server (`functions/rag/index.ts`) in a process of its own. */
export interface ServerProcess {
  /** e.g. `http://127.0.0.1:41234` */
  readonly origin: string;
  /** Sends the signal; resolves once the process is gone. */
  kill(signal: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Starts the server process against the current driver's test database, the way a deployment
 * configures it (environment variables only), and waits until `GET /health` answers 200.
 */
export async function startServerProcess(test: TestDatabase): Promise<ServerProcess> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", ENTRYPOINT],
    env: { PORT: String(port), ...driverEnv(test) },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
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
    if (Date.now() > deadline) {
      await kill("SIGKILL");
      throw new Error("the server process did not answer GET /health within 20 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { origin, kill };
}

const ENTRYPOINT = new URL("../../functions/rag/index.ts", import.meta.url).pathname;

/** The environment that points the server at the database `test` uses, through its driver. */
function driverEnv(test: TestDatabase): Record<string, string> {
  const server = testServer();
  const common = {
    DATABASE_URL: server.databaseUrl,
    PGRAG_EMBEDDING_DIM: String(TEST_EMBEDDING_DIM),
    PGRAG_MIGRATE_ON_START: "false",
    PGRAG_DB_MAX_CONNECTIONS: "4",
  };
  switch (currentDriver()) {
    case "postgres":
      return { ...common, PGRAG_DRIVER: "postgres" };
    case "neon-ws":
      return {
        ...common,
        PGRAG_DRIVER: "neon",
        PGRAG_NEON_HTTP: "false",
        PGRAG_NEON_WS_PROXY: server.wsProxy,
      };
    case "neon-http":
      return {
        ...common,
        PGRAG_DRIVER: "neon",
        PGRAG_NEON_WS_PROXY: server.wsProxy,
        PGRAG_NEON_HTTP_ENDPOINT: test.http!.url,
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
