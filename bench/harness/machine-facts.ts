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
