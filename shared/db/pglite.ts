import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { Database, Queryable, Row, Scope, Statement } from "./database.ts";
import type { Attempt, Driver } from "./driver.ts";
import { toDatabaseError } from "./errors.ts";
import { type DatabaseLimits, DEFAULT_LIMITS, resilientDatabase } from "./resilient.ts";
import { PING_QUERY } from "./ping.ts";
import { scopeStatements } from "./scope.ts";

export interface PgliteOptions {
  /** A folder for the data, or `memory://` for a throwaway database. */
  dataDir: string;
  /** Deadlines, queue and retries (see resilient.ts); defaults for what is not given. */
  limits?: Partial<DatabaseLimits>;
}

/** The PostgreSQL major version the embedded engine runs; its data folders carry it in PG_VERSION. */
const ENGINE_MAJOR_VERSION = "17";

/**
 * A data folder written by another major version cannot be opened (PostgreSQL's files change
 * between majors), and PostgreSQL would stop with a bare FATAL inside WebAssembly; this says what
 * to do instead. Earlier pgrag builds embedded PostgreSQL 16 (PGlite 0.3).
 */
async function refuseOtherMajorVersion(dataDir: string): Promise<void> {
  let found: string;
  try {
    found = (await Deno.readTextFile(`${dataDir}/PG_VERSION`)).trim();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (found === ENGINE_MAJOR_VERSION) return;
  throw new Error(
    `the embedded data folder ${dataDir} holds a PostgreSQL ${found} database, and this pgrag ` +
      `embeds PostgreSQL ${ENGINE_MAJOR_VERSION}. Move the folder aside (or set PGRAG_DATA_DIR to ` +
      `a new one) to start afresh, or serve it once more with the pgrag release that wrote it ` +
      "and copy the documents out through the API.",
  );
}

/**
 * Embedded PostgreSQL compiled to WebAssembly, with pgvector and pg_trgm: the zero-setup default.
 * It has one connection, so the seam admits one run at a time and queues the others. A statement
 * runs to its end once started (it runs on this thread); an abandoned run stops before its next
 * statement and rolls back.
 */
export async function openPglite(options: PgliteOptions): Promise<Database> {
  if (!options.dataDir.includes("://")) {
    // PGlite creates only the last folder of the path itself.
    await Deno.mkdir(options.dataDir, { recursive: true });
    await refuseOtherMajorVersion(options.dataDir);
  }
  const db = await PGlite.create({
    dataDir: options.dataDir,
    extensions: { vector, pg_trgm },
  });

  const queryable = (tx: Pick<PGlite, "query" | "exec">): Queryable => ({
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const result = await tx.query<R>(text, [...params]);
      return result.rows;
    },
    async exec(script: string) {
      await tx.exec(script);
    },
  });

  const transaction = async <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => {
    try {
      return await db.transaction((tx) => work(queryable(tx)));
    } catch (error) {
      throw toDatabaseError(error);
    }
  };

  const driver: Driver = {
    name: "pglite",
    capacity: 1,
    attempt(scope: Scope, statements: readonly Statement[], { signal, limits }: Attempt) {
      return transaction(async (tx) => {
        for (const context of scopeStatements(scope, limits)) {
          await tx.query(context.text, context.params);
        }
        const results: Row[][] = [];
        for (const statement of statements) {
          signal.throwIfAborted();
          results.push(await tx.query(statement.text, statement.params));
        }
        signal.throwIfAborted();
        return results;
      });
    },
    transaction,
    async ping() {
      try {
        const { rows: [row] } = await db.query<{ migrated: boolean }>(PING_QUERY);
        return { migrated: row.migrated === true };
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
  return resilientDatabase(driver, { ...DEFAULT_LIMITS, ...options.limits });
}
