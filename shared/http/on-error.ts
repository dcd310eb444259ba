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
import { isSchemaMissing, problemFromDatabaseError, SCHEMA_NOT_READY_DETAIL } from "./sqlstate.ts";

const HTTP_STATUS_CODES: Record<number, ProblemCode> = {
  400: "validation_failed",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  408: "body_timeout",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** Refusals that are about the credential itself, and need no check of it first. */
const CREDENTIAL_STATUSES: ReadonlySet<number> = new Set([401, 403]);

/**
 * The error funnel: every error of every route leaves through here as problem details. A request
 * refused on an audited route gets its audit row here, where the problem is at hand.
 */
export async function handleError(error: unknown, c: Context): Promise<Response> {
  const { requestId = "", audit, db, deadline, verifyCredential } = c.var as Partial<
    AppEnv["Variables"]
  >;
  const migrated = async () => db ? (await db.ping()).migrated : true;
  let problem = await toProblem(error, migrated);
  // What was wrong with a request is told only to a credential that passed: a tenant route's
  // credential not yet accepted by the database is checked first (see tenant-access.ts).
  if (verifyCredential && problem.status < 500 && !CREDENTIAL_STATUSES.has(problem.status)) {
    try {
      await verifyCredential();
    } catch (refusal) {
      problem = await toProblem(refusal, migrated);
    }
  }
  // A request ended by its deadline or its client is logged once, by requestDeadline.
  if (problem.status >= 500 && !deadline?.signal.aborted) {
    logError("request_failed", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      error: error instanceof Error ? error.name : typeof error,
      sqlstate: error instanceof DatabaseError ? error.sqlstate : undefined,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  await audit?.recordRefusal(problem);
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

async function toProblem(error: unknown, migrated: () => Promise<boolean>): Promise<Problem> {
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
    if (await isSchemaMissing(error, migrated)) {
      return new Problem("schema_not_ready", SCHEMA_NOT_READY_DETAIL);
    }
    return problemFromDatabaseError(error) ?? new Problem("internal", "an internal error occurred");
  }
  if (error instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[error.status];
    if (code) return new Problem(code, error.message || "the request was rejected");
  }
  return new Problem("internal", "an internal error occurred");
}
