import type { Database, Scope } from "./db/database.ts";
import { logError, logInfo } from "./log.ts";

export interface MaintenanceResult {
  refreshed_at: string;
  duration_ms: number;
  partitions_created: number;
}

/** How many months of audit and cost partitions exist ahead of the current one. */
const MONTHS_AHEAD = 2;

/**
 * What pg_cron does where it exists: creates the coming months' partitions, then refreshes
 * tenant_statistics. Both are idempotent, so the admin route, the embedded scheduler and pg_cron
 * may all run it.
 */
export async function runMaintenance(
  db: Pick<Database, "run">,
  scope: Scope,
): Promise<MaintenanceResult> {
  const [[partitions], [refreshed]] = await db.run(scope, [
    { text: "select pgrag.create_monthly_partitions($1) as created", params: [MONTHS_AHEAD] },
    { text: "select pgrag.refresh_tenant_statistics() as result" },
  ]);
  const result = refreshed.result as { refreshed_at: string; duration_ms: number };
  return { ...result, partitions_created: Number(partitions.created) };
}

/**
 * The embedded database has no pg_cron: this process keeps it maintained instead, every
 * `intervalMs`, starting right away. A failed run is logged and retried at the next tick.
 * Returns a function that stops it.
 */
export function scheduleMaintenance(db: Database, intervalMs: number): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const result = await runMaintenance(db, { role: "admin" });
      logInfo("maintenance", { ...result });
    } catch (error) {
      logError("maintenance_failed", {
        message: error instanceof Error ? error.message : String(error),
      });
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, intervalMs);
  // Timers keep Deno alive; this one should not keep a finished process (or test) running.
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
