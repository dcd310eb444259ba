/**
 * The facts a reader needs to judge a result: when, on how many cores of what, against which
 * PostgreSQL and pgvector. Benchmarks on a noisy 2-core machine and on a workstation are not
 * comparable, and the report should say which one it was.
 */
import type postgres from "postgres";

export interface MachineFacts {
  readonly date: string;
  readonly cores: number;
  readonly cpu: string;
  readonly postgres: string;
  readonly pgvector: string;
  readonly deno: string;
}

export async function machineFacts(sql: postgres.Sql): Promise<MachineFacts> {
  const [versions] = await sql<{ postgres: string; pgvector: string | null }[]>`
    select current_setting('server_version') as postgres,
           (select extversion from pg_extension where extname = 'vector') as pgvector`;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cores: navigator.hardwareConcurrency,
    cpu: await cpuModel(),
    postgres: versions.postgres,
    pgvector: versions.pgvector ?? "not installed",
    deno: Deno.version.deno,
  };
}

export function describeMachine(facts: MachineFacts): string {
  return `${facts.date} · ${facts.cores} cores (${facts.cpu}) · PostgreSQL ${facts.postgres} · ` +
    `pgvector ${facts.pgvector} · Deno ${facts.deno}`;
}

/** The CPU model on Linux; "unknown CPU" elsewhere. */
async function cpuModel(): Promise<string> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

/** The server settings that bear most on latencies. */
export async function serverSettings(sql: postgres.Sql): Promise<string> {
  const rows = await sql<{ name: string; setting: string }[]>`
    select name, current_setting(name) as setting
      from unnest(array['shared_buffers', 'work_mem', 'jit']) name`;
  return rows.map((row) => `${row.name} ${row.setting}`).join(", ");
}

/**
 * The 1-minute load average: above the machine's cores, other processes competed with the run,
 * which inflates every latency (ratios measured in the same run stay comparable).
 */
export async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  } catch {
    return "unknown";
  }
}

/** Settings and load around a measurement: "shared_buffers 128MB, …; load average 0.7 before measuring, 0.9 after". */
export async function measuringConditions(sql: postgres.Sql, loadBefore: string): Promise<string> {
  return `${await serverSettings(sql)}; load average ${loadBefore} before measuring, ` +
    `${await loadAverage()} after`;
}
