/**
 * One level of load: autocannon keeps `connections` connections busy for `seconds`, each with
 * one request in flight (no pipelining), cycling through the mix. Each connection starts at a
 * different point of the cycle: at 500 connections a level may see only a few requests per
 * connection, and if every connection began with the same request the first kinds of the cycle
 * would crowd out the last. Autocannon's own summary counts statuses but not which 503s carried
 * Retry-After, nor which kind of request an answer was for, so every answer is recorded here
 * from its client's events: the kind, the status, whether Retry-After came with it, the latency.
 * Autocannon drops the requests still in flight when the time is up without counting them; they
 * are counted here with their ages, so a request that hangs is seen even when it outlives the
 * level.
 */
import autocannon from "autocannon";
import type { RequestKind, SequencedRequest } from "./mix.ts";

export interface Answer {
  /** Milliseconds from the level's start to the answer. */
  readonly at: number;
  readonly ms: number;
  readonly kind: RequestKind;
  readonly status: number;
  readonly retryAfter: boolean;
}

export interface LevelRun {
  readonly connections: number;
  /** How long the level was to run. */
  readonly plannedSeconds: number;
  /** How long autocannon ran, as it reports it. */
  readonly seconds: number;
  readonly answers: readonly Answer[];
  readonly sent: number;
  /** No answer within the client timeout: autocannon closes the connection and reconnects. */
  readonly timeouts: number;
  /** Socket errors by code (ECONNRESET, ECONNREFUSED, …). */
  readonly socketErrors: ReadonlyMap<string, number>;
  /** Ages of the requests still unanswered when the time was up. */
  readonly inFlightAtEndMs: readonly number[];
  /** autocannon's own counts, to check this module's against. */
  readonly autocannon: {
    readonly sent: number;
    readonly completed: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
  };
}

export interface LevelPlan {
  readonly origin: string;
  readonly apiKey: string;
  readonly connections: number;
  readonly seconds: number;
  /** A request unanswered this long counts as a timeout (autocannon's `timeout`). */
  readonly timeoutSeconds: number;
  readonly requests: readonly SequencedRequest[];
}

/** The parts of autocannon's client this module listens to (it ships no types). */
interface Client {
  on(event: "request" | "timeout" | "done", listener: () => void): void;
  on(event: "headers", listener: (headers: { headers: string[] }) => void): void;
  on(event: "response", listener: (status: number, bytes: number, ms: number) => void): void;
  on(event: "connError", listener: (error: { code?: string }) => void): void;
  /** The request being answered is still the current one when `response` fires. */
  readonly requestIterator: { readonly currentRequest: SequencedRequest };
  setRequests(requests: readonly SequencedRequest[]): void;
}

interface AutocannonResult {
  duration: number;
  totalRequests: number;
  totalCompletedRequests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

const runAutocannon = autocannon as unknown as (options: {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  headers: Record<string, string>;
  requests: readonly SequencedRequest[];
  setupClient: (client: Client) => void;
}) => Promise<AutocannonResult>;

export async function runLevel(plan: LevelPlan): Promise<LevelRun> {
  const answers: Answer[] = [];
  const socketErrors = new Map<string, number>();
  let sent = 0;
  let timeouts = 0;
  const inFlightAtEndMs: number[] = [];
  const started = performance.now();
  let clients = 0;

  const setupClient = (client: Client) => {
    const offset = clients++ % plan.requests.length;
    const rotated = [...plan.requests.slice(offset), ...plan.requests.slice(0, offset)];
    // Copies: autocannon keeps each request's encoded bytes on the object it is given.
    client.setRequests(rotated.map((request) => ({ ...request })));
    // One request in flight per client: when it was sent, and the headers of its answer.
    let sentAt: number | undefined;
    let headers: string[] = [];
    client.on("request", () => {
      sent++;
      sentAt = performance.now();
    });
    client.on("headers", (answer) => (headers = answer.headers));
    client.on("response", (status, _bytes, ms) => {
      answers.push({
        at: performance.now() - started,
        ms,
        kind: client.requestIterator.currentRequest.kind,
        status,
        retryAfter: hasHeader(headers, "retry-after"),
      });
      sentAt = undefined;
    });
    // A timeout or socket error has already sent the next request on a new connection.
    client.on("timeout", () => timeouts++);
    client.on("connError", (error) => {
      const code = error.code ?? "unknown";
      socketErrors.set(code, (socketErrors.get(code) ?? 0) + 1);
    });
    client.on("done", () => {
      if (sentAt !== undefined) inFlightAtEndMs.push(performance.now() - sentAt);
    });
  };

  const result = await runAutocannon({
    url: plan.origin,
    connections: plan.connections,
    duration: plan.seconds,
    timeout: plan.timeoutSeconds,
    headers: { "Content-Type": "application/json", "X-API-Key": plan.apiKey },
    requests: plan.requests,
    setupClient,
  });
  return {
    connections: plan.connections,
    plannedSeconds: plan.seconds,
    seconds: result.duration,
    answers,
    sent,
    timeouts,
    socketErrors,
    inFlightAtEndMs,
    autocannon: {
      sent: result.totalRequests,
      completed: result.totalCompletedRequests,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    },
  };
}

/** `headers` as the HTTP parser gives them: name, value, name, value… */
function hasHeader(headers: readonly string[], name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].toLowerCase() === name && headers[i + 1].trim() !== "") return true;
  }
  return false;
}
