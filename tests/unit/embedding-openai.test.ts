import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { splitIntoCallBatches } from "../../shared/embedding/call-batches.ts";
import { createOpenAiProvider, type OpenAiProviderOptions } from "../../shared/embedding/openai.ts";
import { EmbeddingRefused, EmbeddingUnavailable } from "../../shared/embedding/provider.ts";
import { fullJitterBackoffMs, retryAfterSeconds } from "../../shared/embedding/retry-policy.ts";
import { cl100k } from "../../shared/text/chunking.ts";
import {
  type EmbeddingStandIn,
  standInTokens,
  standInVector,
  startEmbeddingStandIn,
} from "../support/embedding-stand-in.ts";

const DIMENSIONS = 8;
const tokenizer = await cl100k();
const texts = (count: number) => Array.from({ length: count }, (_, i) => `text number ${i}`);

let standIn: EmbeddingStandIn;
beforeEach(() => {
  standIn = startEmbeddingStandIn({ dimensions: DIMENSIONS });
});
afterEach(() => standIn.close());

const provider = (options: Partial<OpenAiProviderOptions> = {}) =>
  createOpenAiProvider({
    baseUrl: standIn.url,
    model: "stand-in-embedding",
    dimensions: DIMENSIONS,
    backoffMs: 5,
    ...options,
  });

/** The promise's rejection, or a failure when it fulfils. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("createOpenAiProvider() batching", () => {
  it("splits texts into calls of at most maxInputsPerCall, vectors in input order", async () => {
    const inputs = texts(8);
    const result = await provider({ maxInputsPerCall: 3 }).embed(inputs);
    expect(result.calls).toBe(3);
    expect(standIn.calls.map((call) => call.inputs).sort((a, b) => a[0].localeCompare(b[0])))
      .toEqual([inputs.slice(0, 3), inputs.slice(3, 6), inputs.slice(6)]);
    expect(result.vectors).toEqual(inputs.map((text) => standInVector(text, DIMENSIONS)));
  });

  it("keeps each call within maxTokensPerCall by the cl100k count", async () => {
    const inputs = ["alpha beta gamma", "delta epsilon", "zeta eta theta iota", "kappa", "lambda"];
    const maxTokensPerCall = 6;
    const result = await provider({ maxTokensPerCall }).embed(inputs);
    const count = (text: string) => tokenizer.encode(text).length;
    for (const call of standIn.calls) {
      expect(call.inputs.reduce((sum, text) => sum + count(text), 0))
        .toBeLessThanOrEqual(maxTokensPerCall);
    }
    expect(standIn.calls.length).toBeGreaterThan(1);
    expect(standIn.calls.flatMap((call) => call.inputs).sort()).toEqual([...inputs].sort());
    expect(result.vectors).toEqual(inputs.map((text) => standInVector(text, DIMENSIONS)));
  });

  it("sends a text longer than maxTokensPerCall in a call of its own", () => {
    expect(splitIntoCallBatches([2, 50, 2, 2], 10, 10)).toEqual([
      { start: 0, end: 1, tokens: 2 },
      { start: 1, end: 2, tokens: 50 },
      { start: 2, end: 4, tokens: 4 },
    ]);
  });

  it("runs two calls at a time", async () => {
    standIn.latencyMs = 150;
    const started = performance.now();
    const result = await provider({ maxInputsPerCall: 1 }).embed(texts(4));
    const elapsed = performance.now() - started;
    expect(result.calls).toBe(4);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(550);
    const [first, second, third] = standIn.calls.map((call) => call.at);
    expect(second - first).toBeLessThan(100);
    expect(third - first).toBeGreaterThanOrEqual(140);
  });

  it("makes no call for no texts", async () => {
    expect(await provider().embed([])).toEqual({ vectors: [], tokens: 0, calls: 0 });
    expect(standIn.calls).toEqual([]);
  });
});

describe("createOpenAiProvider() answers", () => {
  it("asks for base64 and decodes it to the stand-in's float32 vectors exactly", async () => {
    const inputs = ["The quick brown fox", "jumps over", "", "the lazy dog"];
    const result = await provider().embed(inputs);
    expect(standIn.calls[0].encodingFormat).toBe("base64");
    expect(result.vectors).toEqual(inputs.map((text) => standInVector(text, DIMENSIONS)));
    expect(result.vectors.every((vector) => vector instanceof Float32Array)).toBe(true);
  });

  it("accepts number arrays from a server that ignores encoding_format", async () => {
    standIn.alwaysFloat = true;
    const inputs = ["one", "two three"];
    const result = await provider().embed(inputs);
    expect(result.vectors).toEqual(inputs.map((text) => standInVector(text, DIMENSIONS)));
  });

  it("sums usage.prompt_tokens, or counts with cl100k when the server does not say", async () => {
    const inputs = texts(5);
    const reported = await provider({ maxInputsPerCall: 2 }).embed(inputs);
    expect(reported.tokens).toBe(inputs.reduce((sum, text) => sum + standInTokens(text), 0));
    standIn.reportUsage = false;
    const counted = await provider({ maxInputsPerCall: 2 }).embed(inputs);
    expect(counted.tokens).toBe(
      inputs.reduce((sum, text) => sum + tokenizer.encode(text).length, 0),
    );
  });

  it("refuses vectors of the wrong length, naming the settings to change", async () => {
    const error = await rejection(provider({ dimensions: 16 }).embed(["hello"]));
    expect(error).toBeInstanceOf(EmbeddingRefused);
    expect(error.message).toMatch(/returned 8 values .* stores 16/);
    expect(error.message).toContain("PGRAG_EMBEDDING_DIM");
    expect(error.message).toContain("PGRAG_EMBEDDING_DIMENSIONS=16");
    expect(standIn.calls).toHaveLength(1);
  });

  it("sends dimensions only when sendDimensions is set", async () => {
    await provider().embed(["a"]);
    expect(standIn.calls[0].dimensions).toBeUndefined();
    const result = await provider({ dimensions: 16, sendDimensions: true }).embed(["a"]);
    expect(standIn.calls[1].dimensions).toBe(16);
    expect(result.vectors[0]).toEqual(standInVector("a", 16));
  });
});

describe("createOpenAiProvider() retries", () => {
  it("waits as long as a 429's Retry-After asks", async () => {
    standIn.failNext(1, 429, 1);
    const started = performance.now();
    const result = await provider().embed(["patience"]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.calls).toBe(2);
    expect(standIn.calls[1].at - standIn.calls[0].at).toBeGreaterThanOrEqual(1000);
    expect(result.vectors[0]).toEqual(standInVector("patience", DIMENSIONS));
  });

  it("retries 500s, then succeeds, counting every attempt", async () => {
    standIn.failNext(2, 500);
    const result = await provider().embed(["again"]);
    expect(result.calls).toBe(3);
    expect(standIn.calls.map((call) => call.status)).toEqual([500, 500, 200]);
  });

  it.each([408, 409, 502, 503, 504])("retries %i", async (status) => {
    standIn.failNext(1, status);
    expect((await provider().embed(["x"])).calls).toBe(2);
  });

  it("gives up after maxAttempts with EmbeddingUnavailable and the last Retry-After", async () => {
    standIn.failNext(2, 429, 1);
    const error = await rejection(provider({ maxAttempts: 2 }).embed(["busy"]));
    expect(error).toBeInstanceOf(EmbeddingUnavailable);
    expect((error as EmbeddingUnavailable).retryAfterSeconds).toBe(1);
    expect(error.message).toMatch(/failed 2 attempts.*429/);
    expect(standIn.calls).toHaveLength(2);
  });

  it("hands a Retry-After beyond 60 s to the caller at once", async () => {
    standIn.failNext(1, 503, 120);
    const started = performance.now();
    const error = await rejection(provider().embed(["later"]));
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(EmbeddingUnavailable);
    expect((error as EmbeddingUnavailable).retryAfterSeconds).toBe(120);
    expect(standIn.calls).toHaveLength(1);
  });

  it("gives up on a server that stays down, without a Retry-After to report", async () => {
    standIn.down = true;
    const error = await rejection(provider({ maxAttempts: 3 }).embed(["down"]));
    expect(error).toBeInstanceOf(EmbeddingUnavailable);
    expect((error as EmbeddingUnavailable).retryAfterSeconds).toBeUndefined();
    expect(standIn.calls).toHaveLength(3);
  });

  it("retries a server that refuses connections, then reports it unavailable", async () => {
    const gone = provider({ maxAttempts: 2 });
    await standIn.close();
    const error = await rejection(gone.embed(["nobody"]));
    expect(error).toBeInstanceOf(EmbeddingUnavailable);
    expect(error.message).toMatch(/failed 2 attempts.*unreachable/);
    standIn = startEmbeddingStandIn({ dimensions: DIMENSIONS });
  });

  it("times out a slow call and retries it", async () => {
    standIn.slowNext(1, 2_000);
    const started = performance.now();
    const result = await provider({ timeoutMs: 200 }).embed(["slow"]);
    const elapsed = performance.now() - started;
    expect(result.calls).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1_500);
    expect(result.vectors[0]).toEqual(standInVector("slow", DIMENSIONS));
  });

  it("reports timeouts as unavailable once attempts run out", async () => {
    standIn.latencyMs = 2_000;
    const error = await rejection(provider({ timeoutMs: 100, maxAttempts: 2 }).embed(["x"]));
    expect(error).toBeInstanceOf(EmbeddingUnavailable);
    expect(error.message).toMatch(/no answer within 100 ms/);
  });
});

describe("createOpenAiProvider() refusals", () => {
  it.each([400, 404, 413, 422])("refuses on %i without retrying", async (status) => {
    standIn.failNext(1, status);
    const error = await rejection(provider().embed(["bad"]));
    expect(error).toBeInstanceOf(EmbeddingRefused);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain(`scripted failure ${status}`);
    expect(standIn.calls).toHaveLength(1);
  });

  it("says the API key is wrong, without repeating the key", async () => {
    await standIn.close();
    standIn = startEmbeddingStandIn({ dimensions: DIMENSIONS, apiKey: "sk-right" });
    const error = await rejection(provider({ apiKey: "sk-wrong-secret" }).embed(["x"]));
    expect(error).toBeInstanceOf(EmbeddingRefused);
    expect(error.message).toMatch(/API key/);
    expect(error.message).not.toContain("sk-wrong-secret");
    expect(standIn.calls).toHaveLength(1);
    const result = await provider({ apiKey: "sk-right" }).embed(["x"]);
    expect(result.vectors[0]).toEqual(standInVector("x", DIMENSIONS));
  });

  it("refuses a missing API key the same way", async () => {
    await standIn.close();
    standIn = startEmbeddingStandIn({ dimensions: DIMENSIONS, apiKey: "sk-right" });
    expect(await rejection(provider().embed(["x"]))).toBeInstanceOf(EmbeddingRefused);
  });

  it("throws at creation on settings that cannot work", () => {
    expect(() => provider({ baseUrl: "api.openai.com/v1" })).toThrow(/http\(s\) URL/);
    expect(() => provider({ dimensions: 0 })).toThrow(/dimensions/);
    expect(() => provider({ maxInputsPerCall: 1.5 })).toThrow(/maxInputsPerCall/);
  });
});

describe("createOpenAiProvider() cancellation", () => {
  /** An embed() whose signal aborts after 100 ms: what it rejected with, and when. */
  const abortedEmbed = async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const error = await rejection(provider().embed(["wait"], { signal: controller.signal }));
    return { error, elapsedMs: performance.now() - started };
  };

  it("stops waiting for a retry as soon as the signal aborts", async () => {
    standIn.failNext(1, 503, 30);
    const { error, elapsedMs } = await abortedEmbed();
    expect(elapsedMs).toBeLessThan(1_000);
    expect(error.name).toBe("AbortError");
    expect(standIn.calls).toHaveLength(1);
  });

  it("cancels a call in flight", async () => {
    standIn.latencyMs = 5_000;
    const { error, elapsedMs } = await abortedEmbed();
    expect(elapsedMs).toBeLessThan(1_000);
    expect(error.name).toBe("AbortError");
  });

  it("cancels the other call in flight when one is refused", async () => {
    standIn.slowNext(1, 2_000);
    standIn.failNext(1, 400);
    const started = performance.now();
    const error = await rejection(provider({ maxInputsPerCall: 1 }).embed(["slow", "refused"]));
    expect(error).toBeInstanceOf(EmbeddingRefused);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(standIn.calls).toHaveLength(2);
  });

  it("makes no call once the signal has aborted", async () => {
    const error = await rejection(provider().embed(["x"], { signal: AbortSignal.abort() }));
    expect(error.name).toBe("AbortError");
    expect(standIn.calls).toHaveLength(0);
  });
});

describe("retryAfterSeconds()", () => {
  const headers = (init: Record<string, string>) => new Headers(init);

  it("reads delay-seconds, HTTP dates and OpenAI's retry-after-ms", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterSeconds(headers({ "retry-after": "7" }), now)).toBe(7);
    expect(retryAfterSeconds(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), now))
      .toBe(30);
    expect(retryAfterSeconds(headers({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }), now))
      .toBe(0);
    expect(retryAfterSeconds(headers({ "retry-after-ms": "250", "retry-after": "9" }), now))
      .toBe(0.25);
  });

  it("ignores what is absent or unreadable", () => {
    expect(retryAfterSeconds(headers({}))).toBeUndefined();
    expect(retryAfterSeconds(headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterSeconds(headers({ "retry-after": "-3" }))).toBeUndefined();
  });
});

describe("fullJitterBackoffMs()", () => {
  it("draws between zero and the doubled step, capped", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => fullJitterBackoffMs(n, 500, 8000, () => 1)))
      .toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(fullJitterBackoffMs(3, 500, 8000, () => 0)).toBe(0);
    expect(fullJitterBackoffMs(2, 500, 8000, () => 0.5)).toBe(500);
  });
});
