/**
 * RFC 9457 problem details: the only shape pgrag answers errors in. Each code has one status and
 * one title; `detail` and `errors` say what went wrong with this request.
 */

export const PROBLEMS = {
  validation_failed: { status: 400, title: "The request is not valid" },
  invalid_json: { status: 400, title: "The request body is not valid JSON" },
  unauthenticated: { status: 401, title: "Credentials are missing or not valid" },
  budget_exceeded: { status: 402, title: "The monthly budget is exhausted" },
  forbidden: { status: 403, title: "The credentials do not allow this" },
  tenant_suspended: { status: 403, title: "The tenant is suspended" },
  not_found: { status: 404, title: "Not found" },
  body_timeout: { status: 408, title: "The request body did not arrive in time" },
  conflict: { status: 409, title: "The request conflicts with stored data" },
  payload_too_large: { status: 413, title: "The request body is too large" },
  unsupported_media_type: { status: 415, title: "The request body must be JSON" },
  quota_exceeded: { status: 429, title: "A tenant quota would be exceeded" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  unavailable: { status: 503, title: "The service is temporarily unavailable" },
  embedding_unavailable: { status: 503, title: "The embedding provider is unavailable" },
  schema_not_ready: { status: 503, title: "The database is not migrated" },
  timeout: { status: 504, title: "The request took too long" },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

/** One offending field: `path` in the form `documents[0].content`. */
export interface FieldError {
  path: string;
  message: string;
}

/** Throw one of these anywhere; the error funnel turns it into the response. */
export class Problem extends Error {
  override readonly name = "Problem";
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
    this.status = PROBLEMS[code].status;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  request_id: string;
  errors?: FieldError[];
}

export function problemBody(problem: Problem, requestId: string): ProblemBody {
  return {
    type: `urn:pgrag:problem:${problem.code}`,
    title: PROBLEMS[problem.code].title,
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    request_id: requestId,
    ...(problem.options.errors ? { errors: problem.options.errors } : {}),
  };
}

/** Renders a path from zod (`["documents", 0, "content"]`) as `documents[0].content`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, "");
}
