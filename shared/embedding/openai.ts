import { cl100k } from "../text/chunking.ts";
import { splitIntoCallBatches } from "./call-batches.ts";
import { type EmbeddingsAnswer, errorDetail, readEmbeddingsAnswer } from "./openai-response.ts";
import {
  type EmbeddingProvider,
  EmbeddingRefused,
  type Embeddings,
  EmbeddingUnavailable,
} from "./provider.ts";
import {
  fullJitterBackoffMs,
  isRetryableStatus,
  retryAfterSeconds,
  waitUnlessAborted,
} from "./retry-policy.ts";

export interface OpenAiProviderOptions {
  /** Where `/embeddings` lives: `https://api.openai.com/v1`, `http://localhost:11434/v1`, … */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; local servers usually need none. */
  apiKey?: string;
  model: string;
  /** Values per vector the database stores; every answer is checked against it. */
  dimensions: number;
  /**
   * Also ask the model for `dimensions` values (OpenAI's text-embedding-3 models shorten their
   * vectors on request). Off by default because many compatible servers reject the field.
   */
  sendDimensions?: boolean;
  maxInputsPerCall?: number;
  /**
   * Tokens per call by the cl100k count. Compatible servers often limit a whole call, not only
   * each input (text-embeddings-inference's max batch tokens, a local model's batch size).
   */
  maxTokensPerCall?: number;
  /** Each attempt's deadline, answer body included. */
  timeoutMs?: number;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  /** First step of the jittered exponential backoff between attempts. */
  backoffMs?: number;
}

const BACKOFF_CAP_MS = 8_000;
/** Beyond this a Retry-After is better handed to the caller than waited out inside a request. */
const RETRY_AFTER_CAP_SECONDS = 60;
/** Two calls in flight halve a large document's latency without tripping per-key rate limits. */
export const CONCURRENT_CALLS = 2;

type Attempt = { answer: EmbeddingsAnswer } | { failure: string; retryAfterSeconds?: number };

/** An embedding provider for any server that speaks OpenAI's `POST /embeddings`. */
export function createOpenAiProvider(options: OpenAiProviderOptions): EmbeddingProvider {
  const {
    baseUrl,
    apiKey,
    model,
    dimensions,
    sendDimensions = false,
    maxInputsPerCall = 96,
    maxTokensPerCall = 8000,
    timeoutMs = 30_000,
    maxAttempts = 4,
    backoffMs = 500,
  } = options;
  if (!/^https?:\/\//.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new TypeError(`the embedding base URL must be an http(s) URL, not "${baseUrl}"`);
  }
  if (!model) throw new TypeError("the embedding model's name is missing");
  const counts = { dimensions, maxInputsPerCall, maxTokensPerCall, timeoutMs, maxAttempts };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`${name} must be a positive integer, not ${value}`);
    }
  }
  const url = `${baseUrl.replace(/\/+$/, "")}/embeddings`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  async function attempt(inputs: string[], signal: AbortSignal): Promise<Attempt> {
    const body = JSON.stringify({
      model,
      input: inputs,
      encoding_format: "base64",
      ...(sendDimensions ? { dimensions } : {}),
    });
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) return { failure: `no answer within ${timeoutMs} ms` };
      return { failure: `unreachable (${error instanceof Error ? error.message : error})` };
    }
    if (response.ok) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new EmbeddingUnavailable(`${url} answered ${response.status} with a body not JSON`);
      }
      return { answer: readEmbeddingsAnswer(parsed, inputs.length, dimensions) };
    }
    if (isRetryableStatus(response.status)) {
      return {
        failure: `HTTP ${response.status}: ${detailWithoutKey(text)}`,
        retryAfterSeconds: retryAfterSeconds(response.headers),
      };
    }
    throw refusal(response.status, text);
  }

  function refusal(status: number, text: string): EmbeddingRefused {
    // Never the body of a 401 or 403: servers quote the key they were sent.
    if (status === 401 || status === 403) {
      return new EmbeddingRefused(
        `${url} refused the API key (HTTP ${status}): the key is wrong, revoked, or not allowed ` +
          `to use the model "${model}"`,
      );
    }
    const hint = status === 404
      ? ` (check that the base URL ends where /embeddings starts, often /v1, and the model "${model}")`
      : "";
    return new EmbeddingRefused(
      `${url} refused the input (HTTP ${status}): ${detailWithoutKey(text)}${hint}`,
    );
  }

  /** An error body's detail, with the key masked should the server have quoted it. */
  function detailWithoutKey(text: string): string {
    const detail = errorDetail(text);
    return apiKey ? detail.replaceAll(apiKey, "[API key]") : detail;
  }

  async function callWithRetries(
    inputs: string[],
    signal: AbortSignal,
    countAttempt: () => void,
  ): Promise<EmbeddingsAnswer> {
    for (let n = 1;; n++) {
      countAttempt();
      const outcome = await attempt(inputs, signal);
      if ("answer" in outcome) return outcome.answer;
      const asked = outcome.retryAfterSeconds;
      if (asked !== undefined && asked > RETRY_AFTER_CAP_SECONDS) {
        throw new EmbeddingUnavailable(
          `${url} asked to wait ${asked} s, longer than the ${RETRY_AFTER_CAP_SECONDS} s a call ` +
            `waits (${outcome.failure})`,
          asked,
        );
      }
      if (n >= maxAttempts) {
        throw new EmbeddingUnavailable(
          `${url} failed ${n} attempt${n === 1 ? "" : "s"}; the last: ${outcome.failure}`,
          asked,
        );
      }
      const waitMs = asked !== undefined
        ? asked * 1000
        : fullJitterBackoffMs(n, backoffMs, BACKOFF_CAP_MS);
      await waitUnlessAborted(waitMs, signal);
    }
  }

  return {
    name: "openai",
    model,
    dimensions,
    async embed(texts, embedOptions = {}): Promise<Embeddings> {
      if (texts.length === 0) return { vectors: [], tokens: 0, calls: 0 };
      // cl100k is the encoding of OpenAI's embedding models, so the split matches what OpenAI
      // counts; for other models it is an estimate within a few tens of percent, which is what a
      // limit on a call's size needs, and which the usage ledger needs when a server reports none.
      const tokenizer = await cl100k();
      // Special tokens' text is embedded as text, not refused as the encoder does by default.
      const tokenCounts = texts.map((text) => tokenizer.encode(text, [], []).length);
      const batches = splitIntoCallBatches(tokenCounts, maxInputsPerCall, maxTokensPerCall);
      // One failed call ends the others: their vectors would be thrown away anyway.
      const stop = new AbortController();
      const signal = embedOptions.signal
        ? AbortSignal.any([embedOptions.signal, stop.signal])
        : stop.signal;
      const vectors = new Array<Float32Array>(texts.length);
      let tokens = 0;
      let calls = 0;
      let next = 0;
      const runCalls = async () => {
        while (next < batches.length) {
          const batch = batches[next++];
          const answer = await callWithRetries(
            texts.slice(batch.start, batch.end),
            signal,
            () => calls++,
          );
          answer.vectors.forEach((vector, i) => vectors[batch.start + i] = vector);
          tokens += answer.promptTokens ?? batch.tokens;
        }
      };
      const lanes = Math.min(CONCURRENT_CALLS, batches.length);
      try {
        await Promise.all(Array.from({ length: lanes }, runCalls));
      } catch (error) {
        stop.abort(error);
        throw error;
      }
      return { vectors, tokens, calls };
    },
  };
}
