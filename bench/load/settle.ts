/**
 * Between levels: autocannon walks away from the requests still in flight when a level ends,
 * but the server may still be working on them (and on requests it had queued for a database
 * connection). The next level starts once no statement of the benchmark's database has been
 * running for a moment, so it does not inherit the previous level's backlog.
 */
import type postgres from "postgres";

const POLL_MS = 250;
/** Consecutive idle polls that count as settled. */
const IDLE_POLLS = 4;
const MAX_WAIT_MS = 120_000;

/** Waits until `database` has no active statement; returns the seconds it took. */
export async function waitUntilIdle(server: postgres.Sql, database: string): Promise<number> {
  const started = performance.now();
  let idle = 0;
  while (idle < IDLE_POLLS) {
    if (performance.now() - started > MAX_WAIT_MS) {
      throw new Error(`${database} was still busy after ${MAX_WAIT_MS / 1000} s`);
    }
    const [{ active }] = await server<{ active: number }[]>`
      select count(*)::int as active
        from pg_stat_activity
       where datname = ${database} and state = 'active' and pid <> pg_backend_pid()`;
    idle = active === 0 ? idle + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return (performance.now() - started) / 1000;
}
