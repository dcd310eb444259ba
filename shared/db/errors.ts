/**
 * Errors the seam raises, the same whatever driver ran: callers branch on `sqlstate`, never on
 * message text.
 */

/** The server rejected a statement; `sqlstate` says why. */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  constructor(
    readonly sqlstate: string,
    message: string,
    readonly constraint?: string,
    readonly column?: string,
    /** The DETAIL field; pgrag's own SQL functions put the offending request path there. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/**
 * The database could not be reached, or dropped the connection: worth retrying later. `sqlstate`
 * is the server's reason when it gave one (57P01 for a terminated backend, 53300 for too many
 * connections, ...).
 */
export class DatabaseUnavailableError extends Error {
  override readonly name: string = "DatabaseUnavailableError";
  readonly sqlstate?: string;
  constructor(message: string, options?: { cause?: unknown; sqlstate?: string }) {
    super(message, options);
    this.sqlstate = options?.sqlstate;
  }
}

/**
 * Too many runs already wait for a connection (the admission queue is full, or the wait for a
 * place in it ran out): refused at once so that the client can back off, rather than queued
 * without bound.
 */
export class DatabaseBusyError extends Error {
  override readonly name = "DatabaseBusyError";
}

/** The run's deadline passed: it was stopped and its statement cancelled. */
export class DatabaseTimeoutError extends Error {
  override readonly name = "DatabaseTimeoutError";
  constructor(message = "the deadline passed before the database answered") {
    super(message);
  }
}

// Five characters with a digit in them: Node's five-letter error codes (EPIPE, EPERM) are not.
const SQLSTATE = /^(?=.*\d)(?!E)[0-9A-Z]{5}$/;
// Connection exceptions, operator intervention (shutdown, crash), insufficient resources (too
// many connections) and a session ended by idle_in_transaction_session_timeout: the connection
// is gone, and the statement may well succeed on another try.
const UNAVAILABLE_CLASSES = ["08", "57P01", "57P02", "57P03", "53", "25P03"];

interface DriverErrorFields {
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  constraint?: unknown;
  constraint_name?: unknown;
  column?: unknown;
  column_name?: unknown;
  detail?: unknown;
}

/**
 * Maps whatever a driver threw to a DatabaseError or DatabaseUnavailableError. Drivers report
 * server errors with a SQLSTATE in `code` and their own failures (refused connection, closed
 * socket, timeouts) with other codes or none.
 */
export function toDatabaseError(error: unknown): Error {
  if (
    error instanceof DatabaseError || error instanceof DatabaseUnavailableError ||
    error instanceof DatabaseBusyError || error instanceof DatabaseTimeoutError
  ) {
    return error;
  }
  const fields = (typeof error === "object" && error !== null ? error : {}) as DriverErrorFields;
  const code = typeof fields.code === "string" ? fields.code : "";
  const message = typeof fields.message === "string" ? fields.message : String(error);
  // FATAL and PANIC end the session, whatever the SQLSTATE (a recovery conflict says 40001).
  const sessionEnded = fields.severity === "FATAL" || fields.severity === "PANIC";
  if (
    SQLSTATE.test(code) && !sessionEnded &&
    !UNAVAILABLE_CLASSES.some((prefix) => code.startsWith(prefix))
  ) {
    const constraint = fields.constraint ?? fields.constraint_name;
    const column = fields.column ?? fields.column_name;
    return new DatabaseError(
      code,
      message,
      typeof constraint === "string" ? constraint : undefined,
      typeof column === "string" ? column : undefined,
      typeof fields.detail === "string" ? fields.detail : undefined,
    );
  }
  return new DatabaseUnavailableError(`database unavailable: ${code || message}`, {
    cause: error,
    sqlstate: SQLSTATE.test(code) ? code : undefined,
  });
}

/** Rejects with DatabaseUnavailableError when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnavailableError(`${what} timed out after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
