/**
 * Statuses after which the same request may succeed: a request timeout (408), a conflict the
 * server resolves on its own (409, as OpenAI answers a concurrent update of the same key), rate
 * limits (429) and server failures (5xx, gateways and overloads included).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

const NON_NEGATIVE_NUMBER = /^\d+(\.\d+)?$/;

/**
 * Seconds a response asks the client to wait, from `retry-after-ms` (OpenAI's own, finer header)
 * or `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when it says
 * nothing usable. A date in the past means no wait.
 */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const milliseconds = headers.get("retry-after-ms")?.trim();
  if (milliseconds && NON_NEGATIVE_NUMBER.test(milliseconds)) return Number(milliseconds) / 1000;
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (NON_NEGATIVE_NUMBER.test(value)) return Number(value);
  // An HTTP date names its weekday and month; Date.parse would read "-3" as a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * The wait before retry `n` (1 for the first) when the server did not say: "full jitter"
 * exponential backoff, a uniform draw between zero and `baseMs * 2^(n-1)` capped at `capMs`, which
 * spreads clients that failed together across the whole window instead of herding them at its end.
 */
export function fullJitterBackoffMs(
  n: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** (n - 1)));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function waitUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
