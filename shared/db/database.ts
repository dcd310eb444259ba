/**
 * The database seam: the one interface the rest of pgrag talks to. Each driver (PGlite,
 * postgres.js, Neon serverless) implements it in a file of its own; nothing outside `shared/db/`
 * knows which one runs.
 */

export type DriverName = "pglite" | "postgres" | "neon";

export type Row = Record<string, unknown>;

/**
 * One parameterized SQL statement. Values always travel as parameters, never in the text: text,
 * numbers, booleans, null, or JSON text for anything structured, read as `$n::text::json` (a
 * list is unpacked in SQL with `json_array_elements_text`), which every driver sends alike; postgres.js here knows no array
 * types (see postgres-js.ts), so a JavaScript array is not a parameter.
 */
export interface Statement {
  readonly text: string;
  readonly params?: readonly unknown[];
}

/** A connection inside an open transaction. */
export interface Queryable {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** What a tenant credential allows, in increasing order (see `pgrag.authenticate_api_key`). */
export type AccessLevel = "reader" | "writer" | "admin";

/**
 * Who a scoped transaction runs as: the API role for one tenant (named directly, taken from a
 * verified token, or found by the database from an API key's SHA-256 hash; for the last two the
 * database checks the level and the tenant's status before any work runs), or the admin role for
 * the tenant registry.
 */
export type Scope =
  | { readonly role: "api"; readonly tenantId: string | null }
  | { readonly role: "api"; readonly apiKeyHash: string; readonly access: AccessLevel }
  | {
    readonly role: "api";
    /** From a verified JWT: the database still checks the level and the tenant's status. */
    readonly token: { readonly tenantId: string; readonly role: AccessLevel };
    readonly access: AccessLevel;
  }
  | { readonly role: "admin" };

/** A database that answered `ping`. */
export interface PingResult {
  /** False when pgrag's schema is not there: `deno task db:migrate` has not run against it. */
  migrated: boolean;
}

/** How one run is bounded, and whether it may be repeated after its COMMIT was sent. */
export interface RunOptions {
  /**
   * Aborts the run (the client went away, the request's deadline passed): it stops waiting, its
   * statement is cancelled on the server and its connection discarded. Rejects with the reason.
   */
  readonly signal?: AbortSignal;
  /**
   * When the run must be over, on the `performance.now()` clock; past it the run rejects with
   * DatabaseTimeoutError. Default: the configured request timeout from now.
   */
  readonly deadline?: number;
  /**
   * No retry starts after this instant (`performance.now()` clock), so that one request's runs
   * share one retry budget. Default: the configured retry budget from now.
   */
  readonly retryUntil?: number;
  /**
   * Running the statements twice leaves the same rows as running them once (every upsert):
   * a run whose connection was lost after its COMMIT was sent, which may or may not have
   * committed, is then retried too. Without it only failures before COMMIT are retried.
   */
  readonly idempotent?: boolean;
  /** Told before each retry: what failed, which retry this is, and how long it waits first. */
  readonly onRetry?: (retry: RetryNotice) => void;
}

export interface RetryNotice {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly delayMs: number;
  readonly error: Error;
  /** Whether the failed attempt had sent its COMMIT. */
  readonly commitSent: boolean;
}

/** How busy the seam is: what `/health` reports. */
export interface DatabaseLoad {
  /** Runs that may hold a connection at once (the pool's size; 1 for PGlite). */
  readonly capacity: number;
  /** Runs holding one now. */
  readonly active: number;
  /** Runs waiting for one now. */
  readonly waiting: number;
  /** Runs that may wait; one more is refused at once. */
  readonly queueLimit: number;
  /** Runs refused since the database was opened: the queue was full, or their wait ran out. */
  readonly refused: number;
}

export interface Database {
  readonly driver: DriverName;
  /**
   * Runs the statements in order in one transaction that first switches to the scope's role and
   * sets its tenant, both transaction-locally, with the statement, lock and idle timeouts of
   * the run. All or nothing; returns each statement's rows. Drivers send it in as few round
   * trips as they can (one, where the driver pipelines). A run waits for a connection in a
   * bounded queue, ends by its deadline, and is retried where that is safe (see retry.ts).
   */
  run(scope: Scope, statements: readonly Statement[], options?: RunOptions): Promise<Row[][]>;
  /** An interactive transaction as the connecting role, for migrations and maintenance. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Resolves when the database answers `PING_QUERY` (ping.ts) with its answer; rejects
   * otherwise, within the ping timeout. It takes a connection kept for it, outside the queue,
   * so it answers under load.
   */
  ping(): Promise<PingResult>;
  /** How busy the seam is now. */
  load(): DatabaseLoad;
  close(): Promise<void>;
}
