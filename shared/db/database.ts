/**
 * The database seam: the one interface the rest of pgrag talks to. Each driver (PGlite,
 * postgres.js, Neon serverless) implements it in a file of its own; nothing outside `shared/db/`
 * knows which one runs.
 */

export type DriverName = "pglite" | "postgres" | "neon";

export type Row = Record<string, unknown>;

/** One parameterized SQL statement. Values always travel as parameters, never in the text. */
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

export interface Database {
  readonly driver: DriverName;
  /**
   * Runs the statements in order in one transaction that first switches to the scope's role and
   * sets its tenant, both transaction-locally. All or nothing; returns each statement's rows.
   * Drivers send it in as few round trips as they can (one, where the driver pipelines).
   */
  run(scope: Scope, statements: readonly Statement[]): Promise<Row[][]>;
  /** An interactive transaction as the connecting role, for migrations and maintenance. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers `PING_QUERY` (ping.ts) with its answer; else rejects. */
  ping(): Promise<PingResult>;
  close(): Promise<void>;
}
