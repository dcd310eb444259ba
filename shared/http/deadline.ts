import type { MiddlewareHandler } from "hono";
import { logError, logInfo } from "../log.ts";
import { Problem } from "./problem.ts";

/** What bounds one request: the database runs it makes share its signal and retry budget. */
export interface RequestDeadline {
  /** Aborts when the deadline passes or the client goes away; the reason is the problem. */
  readonly signal: AbortSignal;
  /** The deadline, on the `performance.now()` clock. */
  readonly at: number;
  /** No database retry starts after this instant, whichever run of the request it is. */
  readonly retryUntil: number;
}

export interface DeadlineOptions {
  timeoutMs: number;
  /** How long after the request's start its database runs may still start a retry. */
  retryBudgetMs: number;
}

/**
 * Every request answers within `timeoutMs`: past it the client gets 504 `timeout` at once, and
 * the signal that every database run of the request listens to aborts, which cancels the
 * statement on the server and discards or cleans its connection. A client that goes away aborts
 * the same signal, so abandoned work does not keep the database busy.
 */
export function requestDeadline(
  options: DeadlineOptions,
): MiddlewareHandler<{ Variables: { deadline: RequestDeadline } }> {
  return async function requestDeadline(c, next) {
    const started = performance.now();
    const controller = new AbortController();
    const context = () => ({
      request_id: c.get("requestId" as never),
      method: c.req.method,
      path: c.req.path,
      after_ms: Math.round(performance.now() - started),
    });
    const timer = setTimeout(() => {
      logError("request_timed_out", context());
      controller.abort(
        new Problem("timeout", `the request took longer than ${options.timeoutMs} ms`, {
          retryAfterSeconds: 5,
        }),
      );
    }, options.timeoutMs);
    const client = c.req.raw.signal;
    const onClientGone = () => {
      logInfo("request_abandoned", context());
      controller.abort(new Problem("unavailable", "the client closed the request"));
    };
    client.addEventListener("abort", onClientGone, { once: true });
    c.set("deadline", {
      signal: controller.signal,
      at: started + options.timeoutMs,
      retryUntil: started + Math.min(options.retryBudgetMs, options.timeoutMs),
    });
    const ended = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
        once: true,
      });
    });
    ended.catch(() => {});
    const handled = next();
    try {
      await Promise.race([handled, ended]);
    } catch (error) {
      // What the route does after its deadline only cleans up; nobody waits for it.
      handled.catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
      client.removeEventListener("abort", onClientGone);
    }
  };
}
