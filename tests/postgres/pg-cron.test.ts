import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";
import { testServer } from "../support/database.ts";
import { withDatabase } from "../support/server.ts";

const JOBS = [
  "pgrag-create-partitions",
  "pgrag-prune-cron-history",
  "pgrag-refresh-tenant-statistics",
];

/**
 * pg_cron lives in one database per server (`cron.database_name`, set by scripts/db-up.sh), so
 * this test migrates that database, as `deno task db:migrate` would, and checks that the
 * migrations scheduled pgrag's jobs there and that pg_cron really refreshes tenant_statistics.
 */
describe("pg_cron keeps tenant_statistics fresh (PostgreSQL 17)", () => {
  let sql: postgres.Sql;
  let tenantId: string;

  beforeAll(async () => {
    const server = testServer();
    const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
    const [{ database }] = await admin`select current_setting('cron.database_name') as database`;
    await admin.end();
    const url = withDatabase(server.adminUrl, database);
    sql = postgres(url, { max: 2, onnotice: () => {} });
    // Keep whatever embedding dimension the database was installed with.
    const [installed] = await sql`
      select value from pgrag.settings where key = 'embedding_dim'
    `.catch(() => [] as { value: string }[]);
    const db = openPostgresJs({
      url,
      maxConnections: 1,
      idleTimeoutSeconds: 5,
      connectTimeoutSeconds: 5,
    });
    try {
      await migrate(db, await loadProjectSchema(), {
        embeddingDim: installed ? Number(installed.value) : 1536,
      });
    } finally {
      await db.close();
    }
    [{ id: tenantId }] = await sql`
      insert into pgrag.tenants (name, slug)
      values ('cron test', ${`cron-${crypto.randomUUID().slice(0, 8)}`}) returning id
    `;
  });

  afterAll(async () => {
    await sql`select pgrag.schedule_maintenance()`;
    await sql`delete from pgrag.tenants where id = ${tenantId}`;
    await sql.end();
  });

  it("has the jobs the migrations scheduled", async () => {
    const jobs = await sql`select jobname, schedule, command, active from cron.job
                            where jobname like 'pgrag-%' order by jobname`;
    expect(jobs.map((job) => job.jobname)).toEqual(JOBS);
    expect(jobs.every((job) => job.active)).toBe(true);
    const refresh = jobs.find((job) => job.jobname === "pgrag-refresh-tenant-statistics");
    expect(refresh).toMatchObject({
      schedule: "*/5 * * * *",
      command: "select pgrag.refresh_tenant_statistics()",
    });
  });

  it("refreshes the view on schedule (shortened to every second)", async () => {
    await sql`select pgrag.schedule_maintenance('1 seconds')`;
    await sql`
      insert into pgrag.documents (tenant_id, id, content)
      values (${tenantId}, 'cron-doc', 'a document pg_cron should count')
    `;
    const deadline = Date.now() + 30_000;
    let row: { document_count: string } | undefined;
    while (Date.now() < deadline) {
      [row] = await sql`select document_count from pgrag.tenant_statistics
                         where tenant_id = ${tenantId}`;
      if (row && Number(row.document_count) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(Number(row?.document_count)).toBe(1);
    const [run] = await sql`
      select d.status, d.return_message from cron.job_run_details d
        join cron.job j on j.jobid = d.jobid
       where j.jobname = 'pgrag-refresh-tenant-statistics' and d.status <> 'running'
       order by d.start_time desc limit 1
    `;
    // With a run every second the newest one may still be running: the newest finished one is
    // the one that counted the document (or a later one).
    expect(run).toMatchObject({ status: "succeeded" });
  });

  it("runs the partition and pruning jobs' commands cleanly", async () => {
    const jobs = await sql`select command from cron.job
                            where jobname in ('pgrag-create-partitions', 'pgrag-prune-cron-history')`;
    for (const { command } of jobs) await sql.unsafe(command);
    const [{ partitions }] = await sql`
      select count(*)::int as partitions from pg_inherits i
        join pg_class p on p.oid = i.inhparent where p.relname = 'audit_logs'
    `;
    expect(partitions).toBeGreaterThanOrEqual(3);
  });
});
