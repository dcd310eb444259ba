/**
 * The ingest benchmark's databases:
 *
 * - `pgrag_bench`, the template: migrated, holding the tenant, its writer key and the preloaded
 *   chunks. Dropped and rebuilt at the start of every run.
 * - `pgrag_bench_run`, a fresh copy of the template made before every timed path, so every
 *   path starts from the identical table and index. Deleting a path's rows and vacuuming would
 *   get close, but vacuuming an HNSW index after 10,000 deletions repairs the graph for minutes
 *   (about 3 on 2 cores), while a file copy of the template takes a few seconds.
 */
import type { Run } from "../harness/benchmark.ts";
import {
  connect,
  copyDatabase,
  createMigratedDatabase,
  dropDatabase,
} from "../harness/databases.ts";
import { createTenant, issueTenantKey } from "../harness/tenants.ts";

const TEMPLATE_DATABASE = "pgrag_bench";
const RUN_DATABASE = "pgrag_bench_run";

export interface TemplateDatabase {
  readonly url: string;
  readonly tenantId: string;
  /** A writer key of the tenant, for path 1. */
  readonly apiKey: string;
}

/** Drops both databases and creates the template, migrated, with a tenant and a writer key. */
export async function createTemplateDatabase(
  run: Run,
  embeddingDim: number,
): Promise<TemplateDatabase> {
  await dropDatabase(run.server, RUN_DATABASE);
  const url = await createMigratedDatabase(
    run.server,
    run.serverUrl,
    TEMPLATE_DATABASE,
    embeddingDim,
  );
  const sql = connect(url);
  try {
    const tenantId = await createTenant(sql, { name: "Benchmark", slug: "bench" });
    return { url, tenantId, apiKey: await issueTenantKey(sql, tenantId, "bench", "writer") };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Replaces the run database with a fresh copy of the template and returns its URL. */
export function freshRunDatabase(run: Run): Promise<string> {
  return copyDatabase(run.server, run.serverUrl, TEMPLATE_DATABASE, RUN_DATABASE);
}

/** Removes the last copy at the end; the template stays for inspection until the next run. */
export function dropRunDatabase(run: Run): Promise<void> {
  return dropDatabase(run.server, RUN_DATABASE);
}
