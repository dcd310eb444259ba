import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env.ts";
import {
  DatabaseBusyError,
  DatabaseError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
} from "../db/errors.ts";
import { logError } from "../log.ts";
import { Problem, problemBody, type ProblemCode } from "./problem.ts";
import { problemFromDatabaseError } from "./sqlstate.ts";

const HTTP_STATUS_CODES: Record<number, ProblemCode> = {
  400: "validation_failed",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** The error funnel: every error of every route leaves through here as problem details. */
export function handleError(error: unknown, c: Context): Response {
  const requestId = (c.get("requestId") as string | undefined) ?? "";
  const problem = toProblem(error);
  // A request ended by its deadline or its client is logged once, by requestDeadline.
  const ended = (c.var as Partial<AppEnv["Variables"]>).deadline?.signal.aborted;
  if (problem.status >= 500 && !ended) {
    logError("request_failed", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      error: error instanceof Error ? error.name : typeof error,
      sqlstate: error instanceof DatabaseError ? error.sqlstate : undefined,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  return problemResponse(c, problem, requestId);
}

function problemResponse(c: Context, problem: Problem, requestId: string): Response {
  const headers: Record<string, string> = { "Content-Type": "application/problem+json" };
  if (problem.options.retryAfterSeconds !== undefined) {
    headers["Retry-After"] = String(problem.options.retryAfterSeconds);
  }
  return c.body(
    JSON.stringify(problemBody(problem, requestId)),
    problem.status as 400,
    headers,
  );
}

function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof DatabaseBusyError) {
    return new Problem("unavailable", "too many requests wait for the database; try again", {
      retryAfterSeconds: 1,
    });
  }
  if (error instanceof DatabaseTimeoutError) {
    return new Problem("timeout", "the database did not answer in time", {
      retryAfterSeconds: 5,
    });
  }
  if (error instanceof DatabaseUnavailableError) {
    return new Problem("unavailable", "the database is not reachable; try again shortly", {
      retryAfterSeconds: 5,
    });
  }
  if (error instanceof DatabaseError) {
    return problemFromDatabaseError(error) ?? new Problem("internal", "an internal error occurred");
  }
  if (error instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[error.status];
    if (code) return new Problem(code, error.message || "the request was rejected");
  }
  return new Problem("internal", "an internal error occurred");
}
