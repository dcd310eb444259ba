import type { DatabaseError } from "../db/errors.ts";
import { Problem, type ProblemCode } from "./problem.ts";

/**
 * pgrag's own SQLSTATEs: SQL functions raise these with a message written for the client
 * (`raise exception '...' using errcode = 'PR404'`), and it is passed through as the detail.
 * When the error concerns one item of the request, the function names its path in DETAIL
 * (`using detail = 'chunks[3].document_id'`) and the problem lists it under `errors`.
 */
const PGRAG_SQLSTATES: Record<string, ProblemCode> = {
  PR400: "validation_failed",
  PR401: "unauthenticated",
  PR402: "budget_exceeded",
  PR403: "forbidden",
  PR404: "not_found",
  PR409: "conflict",
  PR423: "tenant_suspended",
  PR429: "quota_exceeded",
};

/** PostgreSQL SQLSTATE classes (first two characters) that a client's input can cause. */
const CLIENT_CLASSES: Record<string, ProblemCode> = {
  "22": "validation_failed", // data exception: bad cast, value out of range, NUL byte, ...
  "23": "validation_failed", // integrity constraint violation (refined below)
  "54": "validation_failed", // program limit exceeded: a value too large to index or store
};

const CLIENT_SQLSTATES: Record<string, ProblemCode> = {
  "23505": "conflict", // unique_violation
  "23503": "conflict", // foreign_key_violation
  "23P01": "conflict", // exclusion_violation
  "42501": "forbidden", // insufficient_privilege, including a row level security violation
  P0002: "not_found", // no_data_found
  "40001": "unavailable", // serialization_failure: safe to retry
  "40P01": "unavailable", // deadlock_detected: safe to retry
  "55P03": "unavailable", // lock_not_available: lock_timeout
  "57014": "timeout", // query_canceled: statement_timeout
};

/**
 * Every statement pgrag sends names only its own objects (and PostgreSQL's built-ins), so one of
 * these means the database lacks pgrag's schema, or has an older one than this code: it was not
 * migrated. Not a defect to hide behind a 500, and nothing the client can fix.
 */
const SCHEMA_SQLSTATES = new Set([
  "3F000", // invalid_schema_name: no schema pgrag
  "42P01", // undefined_table
  "42883", // undefined_function
  "42704", // undefined_object: a type, such as pgvector's
]);

/**
 * invalid_parameter_value: what switching to a role that does not exist raises, as every scoped
 * transaction does first, before it names anything of pgrag's. Clients' values can cause it
 * too, so it means a missing schema only once the database confirms there is none.
 */
const MAYBE_SCHEMA_SQLSTATE = "22023";

export const SCHEMA_NOT_READY_DETAIL =
  "the database has no pgrag schema, or an older one: run `deno task db:migrate` against it";

/**
 * Whether a database error says pgrag's schema is missing. `migrated` asks the database, for
 * the one SQLSTATE that cannot tell on its own.
 */
export async function isSchemaMissing(
  error: DatabaseError,
  migrated: () => Promise<boolean>,
): Promise<boolean> {
  if (SCHEMA_SQLSTATES.has(error.sqlstate)) return true;
  if (error.sqlstate !== MAYBE_SCHEMA_SQLSTATE) return false;
  return !(await migrated().catch(() => true));
}

/** Turns a database error into the problem the client sees, or null for a server defect. */
export function problemFromDatabaseError(error: DatabaseError): Problem | null {
  const own = PGRAG_SQLSTATES[error.sqlstate];
  if (own) {
    const errors = error.detail ? [{ path: error.detail, message: error.message }] : undefined;
    return new Problem(own, error.message, { errors });
  }
  const code = CLIENT_SQLSTATES[error.sqlstate] ?? CLIENT_CLASSES[error.sqlstate.slice(0, 2)];
  if (!code) return null;
  if (code === "unavailable") {
    return new Problem(code, "the database is busy; try again", { retryAfterSeconds: 1 });
  }
  if (code === "timeout") {
    return new Problem(code, "a statement took longer than its timeout", {
      retryAfterSeconds: 5,
    });
  }
  // PostgreSQL's own messages name tables and can quote stored values, so the client gets the
  // constraint or column name and a generic sentence instead.
  const subject = error.constraint ?? error.column;
  return new Problem(
    code,
    subject ? `the request violates ${subject}` : "the request was rejected by the database",
  );
}
