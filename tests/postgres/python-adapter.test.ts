import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../support/api.ts";
import {
  createTenant,
  openTestDatabase,
  type TestDatabase,
  testServer,
} from "../support/database.ts";
import { driverEnv, type ServerProcess, startServerProcess } from "../support/server-process.ts";

/**
 * The LightRAG adapter (clients/python/) against a real pgrag server process on PostgreSQL 17:
 * its pytest suite runs with Debian's python3 and must pass whole. Without python3 and pytest
 * this fails (CI installs them in .ci/run), so a missing runtime can never pass as green.
 */
const PYTHON = "/usr/bin/python3";
const PACKAGE_DIR = new URL("../../clients/python/", import.meta.url).pathname;

describe("pgrag_lightrag (clients/python) against a pgrag server on PostgreSQL", () => {
  let test: TestDatabase;
  let server: ServerProcess;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    test = await openTestDatabase();
    for (const workspace of ["alpha", "beta"]) {
      const tenantId = await createTenant(test.db, `lightrag ${workspace} ${crypto.randomUUID()}`);
      keys[workspace] = await createApiKey(test.db, tenantId, "writer");
    }
    server = await startServerProcess({
      env: driverEnv("postgres", {
        databaseUrl: testServer().databaseUrl,
        wsProxy: "127.0.0.1:0",
      }),
    });
  });
  afterAll(async () => {
    await server?.kill("SIGTERM");
    await test?.close();
  });

  it("passes the pytest suite: every storage method, the graph scenarios, isolation", async () => {
    const run = await new Deno.Command(PYTHON, {
      args: ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
      cwd: PACKAGE_DIR,
      env: {
        PGRAG_URL: `${server.origin}/rag/v1`,
        PGRAG_API_KEY: keys.alpha,
        PGRAG_WORKSPACE_KEYS: JSON.stringify(keys),
        PYTHONDONTWRITEBYTECODE: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
    // The pytest summary, for the log: how many of the adapter's tests ran.
    console.log(output.trim().split("\n").at(-1));
    expect(run.code, output).toBe(0);
    const passed = Number(/(\d+) passed/.exec(output)?.[1] ?? 0);
    expect(passed, output).toBeGreaterThanOrEqual(30);
    expect(output).not.toMatch(/\d+ (failed|skipped|error)/);
  }, 180_000);
});
