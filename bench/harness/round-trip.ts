/**
 * Measures the round trip a writer actually sees, so the report can show what the latency proxy
 * really added: timers have about a millisecond of granularity, so a nominal 5 ms can come out
 * a little longer.
 */
import { connect } from "./databases.ts";

/**
 * Mean of `samples` sequential `select 1` after a warm-up, in milliseconds: the mean, not the
 * median, because it is the mean that many round trips add up to.
 */
export async function measureRoundTripMs(url: string, samples = 50): Promise<number> {
  const sql = connect(url);
  try {
    await sql`select 1`;
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await sql`select 1`;
      times.push(performance.now() - started);
    }
    return times.reduce((sum, time) => sum + time, 0) / times.length;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
