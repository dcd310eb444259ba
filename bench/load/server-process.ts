/**
 * pgrag's server as it is deployed: `deno task start` run as a process of its own, so the load
 * generator's CPU and memory are not the server's and the server's resident memory can be read
 * from /proc. The command is the task's own text from deno.json with `deno` replaced by this
 * Deno, run directly rather than through `deno task`, so the process whose memory is read is the
 * server itself and not the task runner.
 */
import { BASE_PATH } from "../../shared/app.ts";

export interface ServerProcess {
  /** e.g. `http://127.0.0.1:41234`; the API is under `${origin}${BASE_PATH}`. */
  readonly origin: string;
  readonly pid: number;
  /** The command line, for the report. */
  readonly command: string;
  /** VmRSS of the server process, in KiB. */
  residentKiB(): Promise<number>;
  /** Log lines by `level event` (the server logs one JSON object a line). */
  logEvents(): ReadonlyMap<string, number>;
  /** The first few distinct lines that were not the server's JSON log (runtime messages). */
  otherOutput(): readonly string[];
  /** Throws if the server has exited. */
  assertRunning(): void;
  stop(): Promise<void>;
}

const DENO_JSON = new URL("../../deno.json", import.meta.url);
const REPOSITORY = new URL("../../", import.meta.url);
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** Kept of the server's output, to explain an exit. */
const LAST_LINES = 20;
const OTHER_LINES = 5;
const OTHER_LINE_CHARS = 200;

/** Starts the server with `env` added to this process's environment; resolves once it is healthy. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const [program, ...args] = await startCommand();
  const port = freeLoopbackPort();
  const child = new Deno.Command(program, {
    args,
    cwd: REPOSITORY,
    env: { ...env, PORT: String(port) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exit: Deno.CommandStatus | undefined;
  const exited = child.status.then((status) => (exit = status));
  const events = new Map<string, number>();
  const otherLines = new Set<string>();
  const lastLines: string[] = [];
  const onLine = (line: string) => {
    const key = logEventKey(line);
    if (key !== undefined) events.set(key, (events.get(key) ?? 0) + 1);
    else if (otherLines.size < OTHER_LINES) {
      otherLines.add(line.length > OTHER_LINE_CHARS ? `${line.slice(0, OTHER_LINE_CHARS)}…` : line);
    }
    lastLines.push(line);
    if (lastLines.length > LAST_LINES) lastLines.shift();
  };
  // Read both pipes to the end: a server whose output nobody reads blocks once they fill.
  const reading = Promise.all([readLines(child.stdout, onLine), readLines(child.stderr, onLine)]);

  const origin = `http://127.0.0.1:${port}`;
  const assertRunning = () => {
    if (exit !== undefined) {
      throw new Error(`the server exited (code ${exit.code}):\n${lastLines.join("\n")}`);
    }
  };
  const server: ServerProcess = {
    origin,
    pid: child.pid,
    command: `deno ${args.join(" ")}`,
    residentKiB: () => residentKiB(child.pid),
    logEvents: () => events,
    otherOutput: () => [...otherLines],
    assertRunning,
    async stop() {
      if (exit === undefined) {
        child.kill("SIGTERM");
        const timer = setTimeout(
          () => exit === undefined && child.kill("SIGKILL"),
          STOP_TIMEOUT_MS,
        );
        await exited;
        clearTimeout(timer);
      }
      await reading;
    },
  };
  try {
    await waitUntilHealthy(origin, assertRunning);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** `deno task start`'s command, its first word replaced by this Deno's path. */
async function startCommand(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(DENO_JSON));
  const task: unknown = config.tasks?.start;
  const words = typeof task === "string" ? task.trim().split(/\s+/) : [];
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new Error(`deno.json's start task is not a plain \`deno run\`: ${task}`);
  }
  return [Deno.execPath(), ...words.slice(1)];
}

/** A port nobody listens on now (the server takes it a moment later; loopback has plenty). */
function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitUntilHealthy(origin: string, assertRunning: () => void): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let last = "no answer";
  while (performance.now() < deadline) {
    assertRunning();
    try {
      const response = await fetch(`${origin}${BASE_PATH}/health`, {
        signal: AbortSignal.timeout(2_000),
      });
      last = `${response.status} ${await response.text()}`;
      if (response.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the server was not healthy within ${READY_TIMEOUT_MS} ms: ${last}`);
}

async function residentKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB$/m);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** `error request_failed` for one of the server's JSON lines, else undefined. */
function logEventKey(line: string): string | undefined {
  try {
    const entry = JSON.parse(line);
    if (typeof entry?.event === "string") return `${entry.level ?? "log"} ${entry.event}`;
  } catch {
    // Not one of the server's JSON lines: Deno's "Listening on", a warning, a stack trace.
  }
  return undefined;
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + text).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") onLine(line);
  }
  if (pending.trim() !== "") onLine(pending);
}
