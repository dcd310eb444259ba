import postgres from "postgres";

/** The PostgreSQL server the suite runs against besides PGlite (see scripts/db-up.sh). */
export interface TestServer {
  /** A connection string with rights to create databases. */
  adminUrl: string;
  /** The fresh database the suite migrates once and shares. */
  databaseUrl: string;
  /** host:port of websockify in front of the server, for the Neon driver. */
  wsProxy: string;
  /** The test database through PgBouncer in transaction mode, one server connection. */
  pgbouncerUrl: string;
}

const DEFAULT_URL = "postgres://postgres:pgrag@127.0.0.1:54317/pgrag";
const DEFAULT_WS_PROXY = "127.0.0.1:54318";
const DEFAULT_PGBOUNCER_URL = "postgres://postgres:pgrag@127.0.0.1:54319/pgrag";
/** Runs that must not share one database (parallel checkouts) name their own. */
export const TEST_DATABASE = testDatabaseName(process.env.PGRAG_TEST_DATABASE ?? "pgrag_test");

function testDatabaseName(name: string): string {
  // It is written into CREATE/DROP DATABASE, so only plain identifiers pass.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad PGRAG_TEST_DATABASE: ${name}`);
  return name;
}

/**
 * Finds the server: PGRAG_TEST_DATABASE_URL when set (then it must answer), else the one
 * `deno task db:up` provisions, if it is running. Null when there is none.
 */
export async function detectServer(
  env: Record<string, string | undefined>,
): Promise<TestServer | null> {
  const explicit = env.PGRAG_TEST_DATABASE_URL;
  const adminUrl = explicit ?? DEFAULT_URL;
  const sql = postgres(adminUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    if (explicit) throw new Error(`PGRAG_TEST_DATABASE_URL does not answer: ${error}`);
    return null;
  } finally {
    await sql.end({ timeout: 1 });
  }
  return {
    adminUrl,
    databaseUrl: withDatabase(adminUrl, TEST_DATABASE),
    wsProxy: env.PGRAG_TEST_NEON_WS_PROXY ?? DEFAULT_WS_PROXY,
    pgbouncerUrl: withDatabase(
      env.PGRAG_TEST_PGBOUNCER_URL ?? DEFAULT_PGBOUNCER_URL,
      TEST_DATABASE,
    ),
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates an empty database on the server; returns its URL and a function that drops it. */
export async function createScratchDatabase(
  server: TestServer,
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const sql = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${name}`);
  } finally {
    await sql.end();
  }
  return {
    url: withDatabase(server.adminUrl, name),
    async drop() {
      const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
