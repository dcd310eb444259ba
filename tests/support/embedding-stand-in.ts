import { Buffer } from "node:buffer";

/**
 * A local stand-in for an OpenAI-compatible `POST /v1/embeddings`, so the openai provider is
 * tested over real HTTP: deterministic vectors (see standInVector), a latency per call, scripted
 * failures, a mode where it is down, and a record of every call it received.
 */
export interface EmbeddingStandIn {
  /** The base URL to give the provider, ending in `/v1`. */
  readonly url: string;
  /** Every request to `/v1/embeddings`, failed ones included, in arrival order. */
  readonly calls: StandInCall[];
  /** The next `count` calls answer `status`, with `Retry-After: retryAfter` when given. */
  failNext(count: number, status: number, retryAfter?: string | number): void;
  /** The next `count` calls wait `ms` before answering, instead of latencyMs. */
  slowNext(count: number, ms: number): void;
  /** How long each call waits before answering. */
  latencyMs: number;
  /** While true, every call answers 503. */
  down: boolean;
  /** Answers `embedding` as number arrays even when base64 was asked, as some servers do. */
  alwaysFloat: boolean;
  /** Whether answers carry `usage.prompt_tokens` (the stand-in's count: words). */
  reportUsage: boolean;
  close(): Promise<void>;
}

export interface StandInCall {
  inputs: string[];
  /** performance.now() when the request arrived. */
  at: number;
  encodingFormat?: string;
  /** The request's `dimensions` field, when it had one. */
  dimensions?: number;
  status: number;
}

export interface StandInOptions {
  /** Values per vector, unless a request asks for its own `dimensions`. */
  dimensions: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

/**
 * The stand-in's vector for `text`: each word hashed (FNV-1a) into one of `dimensions` buckets,
 * then L2-normalized, so texts sharing words are close. A text without words gets the first
 * axis, since a zero vector has no cosine.
 */
export function standInVector(text: string, dimensions: number): Float32Array {
  const sums = new Float64Array(dimensions);
  for (const word of words(text)) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193);
    sums[(hash >>> 0) % dimensions] += 1;
  }
  const norm = Math.hypot(...sums);
  if (norm === 0) sums[0] = 1;
  return Float32Array.from(sums, (value) => norm === 0 ? value : value / norm);
}

/** The stand-in's token count for `text`, reported as `usage.prompt_tokens`. */
export function standInTokens(text: string): number {
  return words(text).length;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function startEmbeddingStandIn(options: StandInOptions): EmbeddingStandIn {
  const failures: { status: number; retryAfter?: string | number }[] = [];
  const delays: number[] = [];
  // Woken early by close(), so that shutting down never waits out a slow call's latency.
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  const calls: StandInCall[] = [];

  const answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/v1/embeddings") {
      return Response.json({ error: { message: "not found" } }, { status: 404 });
    }
    const body = await request.json();
    const inputs: string[] = typeof body.input === "string" ? [body.input] : body.input;
    const call: StandInCall = {
      inputs,
      at: performance.now(),
      encodingFormat: body.encoding_format,
      dimensions: body.dimensions,
      status: 200,
    };
    calls.push(call);
    const respond = (response: Response) => {
      call.status = response.status;
      return response;
    };
    const delay = delays.shift() ?? standIn.latencyMs;
    if (delay > 0) await sleep(delay);
    if (options.apiKey && request.headers.get("authorization") !== `Bearer ${options.apiKey}`) {
      // Quoting the key it was sent, as OpenAI does: the provider must not repeat it.
      const sent = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      const message = `Incorrect API key provided: ${sent}.`;
      return respond(Response.json({ error: { message } }, { status: 401 }));
    }
    const failure = standIn.down ? { status: 503 } : failures.shift();
    if (failure) {
      const headers = new Headers();
      if (failure.retryAfter !== undefined) headers.set("retry-after", String(failure.retryAfter));
      const message = `scripted failure ${failure.status}`;
      return respond(Response.json({ error: { message } }, { status: failure.status, headers }));
    }
    const dimensions = body.dimensions ?? options.dimensions;
    const base64 = body.encoding_format === "base64" && !standIn.alwaysFloat;
    const data = inputs.map((input, index) => {
      const vector = standInVector(input, dimensions);
      const embedding = base64 ? Buffer.from(vector.buffer).toString("base64") : [...vector];
      return { object: "embedding", index, embedding };
    });
    // Listed in reverse, which the API allows: clients must place items by their index.
    data.reverse();
    const tokens = inputs.reduce((sum, input) => sum + standInTokens(input), 0);
    return respond(Response.json({
      object: "list",
      data,
      model: body.model,
      ...(standIn.reportUsage ? { usage: { prompt_tokens: tokens, total_tokens: tokens } } : {}),
    }));
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, answer);
  const standIn: EmbeddingStandIn = {
    url: `http://127.0.0.1:${server.addr.port}/v1`,
    calls,
    failNext(count, status, retryAfter) {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfter });
    },
    slowNext(count, ms) {
      for (let i = 0; i < count; i++) delays.push(ms);
    },
    latencyMs: 0,
    down: false,
    alwaysFloat: false,
    reportUsage: true,
    close() {
      for (const wake of sleepers) wake();
      return server.shutdown();
    },
  };
  return standIn;
}
