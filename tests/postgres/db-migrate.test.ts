import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProjectSchema } from "../../shared/db/migrations.ts";
import { testServer } from "../support/database.ts";
import { withDatabase } from "../support/server.ts";

const MIGRATE_SCRIPT = new URL("../../scripts/migrate.ts", import.meta.url);

async function runMigrate(databaseUrl: string): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MIGRATE_SCRIPT.pathname],
    env: { DATABASE_URL: databaseUrl, PGRAG_EMBEDDING_DIM: "3", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/**
 * Supabase is deployed with `deno task db:migrate` over the direct connection string, as its
 * `postgres` role: it owns the database and may create roles but is no superuser, and the
 * platform has installed the extensions. This plays that role on a scratch database.
 */
describe("deno task db:migrate as a non-superuser owner, as on Supabase", () => {
  const role = `pgrag_owner_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const database = `${role}_db`;
  let admin: postgres.Sql;
  let url: string;

  beforeAll(async () => {
    const server = testServer();
    admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role ${role} login password 'pgrag' createrole`);
    await admin.unsafe(`create database ${database} owner ${role}`);
    // pgrag's roles are shared by the whole server and were created by the suite's superuser;
    // on a new Supabase project this role creates them itself and so holds them like this.
    await admin.unsafe(
      `grant pgrag_api, pgrag_admin, pgrag_search, pgrag_maintenance to ${role} with admin option`,
    );
    const owned = postgres(withDatabase(server.adminUrl, database), { max: 1, onnotice: () => {} });
    await owned.unsafe("create extension vector; create extension pg_trgm");
    await owned.end();
    const asRole = new URL(withDatabase(server.adminUrl, database));
    asRole.username = role;
    asRole.password = "pgrag";
    url = asRole.toString();
  });

  afterAll(async () => {
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.unsafe(`drop role if exists ${role}`);
    await admin.end();
  });

  it("installs the whole schema, then finds it up to date", async () => {
    const schema = await loadProjectSchema();
    const first = await runMigrate(url);
    expect(first.output).toContain(`applied ${schema.migrations.length} migration(s)`);
    expect(first.output).toContain(`applied ${schema.logic.length} logic file(s)`);
    expect(first.code).toBe(0);

    const second = await runMigrate(url);
    expect(second.output).toContain("the database is up to date");
    expect(second.code).toBe(0);

    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [me] = await sql`select rolsuper from pg_roles where rolname = current_user`;
      expect(me.rolsuper).toBe(false);
      const functions = await sql`
        select count(*)::int as n from pg_proc where pronamespace = 'pgrag'::regnamespace`;
      expect(functions[0].n).toBeGreaterThan(60);
    } finally {
      await sql.end();
    }
  });
});
