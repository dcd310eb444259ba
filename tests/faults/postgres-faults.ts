import type postgres from "postgres";
import { expect } from "vitest";

/**
 * What the fault suites do to PostgreSQL: end every client backend of one database, as a fast
 * shutdown does, or restart the server for real with the command CI names
 * (`PGRAG_TEST_PG_RESTART`, printed by scripts/db-up.sh).
 */

/** Terminates the database's client backends but the caller's; returns how many. */
export async function terminateClientBackends(admin: postgres.Sql, database: string) {
  const [row] = await admin`
    select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
     where datname = ${database} and backend_type = 'client backend'
       and pid <> pg_backend_pid()`.catch(() => [{ n: 0 }]);
  return row.n as number;
}

/** Runs the restart command; fails the test when it fails. */
export async function restartPostgres(command: string): Promise<void> {
  const { success } = await new Deno.Command("sh", { args: ["-c", command] }).output();
  expect(success, command).toBe(true);
}
