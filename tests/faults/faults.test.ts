import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../shared/db/database.ts";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";
import { createApiKey } from "../support/api.ts";
import {
  createTenant,
  TEST_EMBEDDING_DIM,
  type TestDriver,
  testServer,
} from "../support/database.ts";
import { type NeonHttpServer, startNeonHttpServer } from "../support/neon-http-server.ts";
import { createScratchDatabase } from "../support/server.ts";
import { driverEnv, type ServerProcess, startServerProcess } from "../support/server-process.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { until } from "../support/until.ts";
import { checkLedger, type LedgerCheck, startWriteLoop, type Write } from "./ledger.ts";
import { restartPostgres, terminateClientBackends } from "./postgres-faults.ts";

/**
 * The fault suite: the real server process writes documents through a TCP proxy the test
 * controls while faults are injected, then a ledger of every write is checked against the
 * database. Each scenario runs on postgres.js, on the Neon WebSocket pool through websockify,
 * and on Neon HTTP through the local /sql endpoint. `PGRAG_TEST_FAULTS=full`
 * (`deno task test:faults`) runs each longer, with more faults; `deno task test` runs the
 * short version.
 */
const FULL = process.env.PGRAG_TEST_FAULTS === "full";
const LOOP_MS = FULL ? 30_000 : 5_000;
const DEADLINE_MS = 4_000;
/** A reply may leave the server a little after its deadline, and the test reads it later still. */
const DEADLINE_SLACK_MS = 1_500;
const DRIVERS: TestDriver[] = ["postgres", "neon-ws", "neon-http"];
/**
 * A real restart when the suite is told how (CI: db-up.sh prints the command, as root); without
 * it, a restart is modelled: every backend of the database terminated, as a fast shutdown does,
 * and new connections refused for a while, as while the server starts again.
 */
const RESTART_COMMAND = process.env.PGRAG_TEST_PG_RESTART;

/** The server process's limits: short, so that faults reach them within the loop. */
const LIMITS = {
  PGRAG_REQUEST_TIMEOUT_MS: String(DEADLINE_MS),
  PGRAG_STATEMENT_TIMEOUT_MS: "3000",
  PGRAG_IDLE_IN_TRANSACTION_TIMEOUT_MS: "1000",
  PGRAG_DB_RETRY_BUDGET_MS: "2500",
  PGRAG_DB_CONNECT_TIMEOUT: "2",
  PGRAG_HEALTH_TIMEOUT_MS: "1000",
};

interface Rig {
  driver: TestDriver;
  proxy: TcpProxy;
  /** The current server process; `restartServer` replaces it on the same port. */
  server: ServerProcess;
  restartServer(): Promise<void>;
  terminateBackends(): Promise<number>;
}

interface Scenario {
  name: string;
  /** Network errors are the client's share of a killed server process, and of nothing else. */
  networkErrors: boolean;
  /** Injects faults until `until`; returns how many. */
  inject(rig: Rig, until: number): Promise<number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SCENARIOS: Scenario[] = [
  {
    name: "backends terminated mid-transaction",
    networkErrors: false,
    async inject(rig, until) {
      let terminated = 0;
      while (performance.now() < until) {
        await sleep(150 + Math.random() * 250);
        terminated += await rig.terminateBackends();
      }
      return terminated;
    },
  },
  {
    name: RESTART_COMMAND ? "PostgreSQL restarted" : "PostgreSQL restarted (modelled)",
    networkErrors: false,
    async inject(rig, until) {
      let restarts = 0;
      while (performance.now() + 2_500 < until) {
        await sleep(800);
        if (RESTART_COMMAND) {
          await restartPostgres(RESTART_COMMAND);
        } else {
          rig.proxy.refuse();
          await rig.terminateBackends();
          await sleep(1_500);
          rig.proxy.restore();
        }
        restarts++;
        await sleep(1_000);
      }
      return restarts;
    },
  },
  {
    name: "connections cut, stalled and slowed",
    networkErrors: false,
    async inject(rig, until) {
      const faults: [string, () => void, number][] = [
        ["cut", () => rig.proxy.cut(), 300],
        ["stall", () => rig.proxy.stall(), 1_500],
        ["slow", () => rig.proxy.slow(100), 1_000],
        // Longer than the deadline: requests answer 504, the server ends the idle transactions.
        ["long stall", () => rig.proxy.stall(), DEADLINE_MS + 1_000],
      ];
      let injected = 0;
      while (performance.now() < until) {
        for (const [, start, ms] of faults) {
          if (performance.now() >= until) break;
          await sleep(300);
          start();
          await sleep(ms);
          rig.proxy.restore();
          injected++;
        }
      }
      return injected;
    },
  },
  {
    name: "API process SIGKILLed and restarted",
    networkErrors: true,
    async inject(rig, until) {
      let kills = 0;
      while (performance.now() + 1_000 < until) {
        await sleep(700 + Math.random() * 600);
        await rig.server.kill("SIGKILL");
        kills++;
        await rig.restartServer();
      }
      return kills;
    },
  },
];

interface Row {
  scenario: string;
  driver: TestDriver;
  faults: number;
  check: LedgerCheck;
  retries: number;
  lostCommitRetries: number;
  /** What the server logged of the requests it failed, to read when an assertion fails. */
  failures: string[];
}
const table: Row[] = [];

describe(`fault suite (${FULL ? "full" : "short"})`, () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let inspector: Database;
  let admin: postgres.Sql;
  let database: string;

  beforeAll(async () => {
    const server = testServer();
    scratch = await createScratchDatabase(server, "faults");
    database = new URL(scratch.url).pathname.slice(1);
    inspector = openPostgresJs({
      url: scratch.url,
      maxConnections: 2,
      idleTimeoutSeconds: 5,
      connectTimeoutSeconds: 5,
    });
    await migrate(inspector, await loadProjectSchema(), { embeddingDim: TEST_EMBEDDING_DIM });
    admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    console.log(formatTable(table));
    await Deno.mkdir(".pgrag", { recursive: true });
    await Deno.writeTextFile(`.pgrag/faults-${FULL ? "full" : "short"}.md`, formatTable(table));
    await inspector?.close();
    await admin?.end();
    await scratch?.drop();
  });

  for (const driver of DRIVERS) {
    for (const scenario of SCENARIOS) {
      it(
        `${scenario.name}, ${driver}: every acknowledged write whole, none half-written`,
        async () => {
          const row = await runScenario(driver, scenario);
          table.push(row);
          const { check } = row;
          expect(row.faults).toBeGreaterThan(0);
          expect(check.acknowledged).toBeGreaterThan(0);
          expect(check.lost).toBe(0);
          expect(check.halfWritten).toBe(0);
          expect(check.duplicated).toBe(0);
          // A second audit row of one request is what a retried lost COMMIT may leave, no more.
          expect(check.duplicateAuditRows).toBeLessThanOrEqual(row.lostCommitRetries);
          expect(check.hung).toBe(0);
          expect(check.longestMs).toBeLessThan(DEADLINE_MS + DEADLINE_SLACK_MS);
          expect(check.refusalsWithoutRetryAfter).toBe(0);
          const allowed = ["200", "503", "504", ...(scenario.networkErrors ? ["network"] : [])];
          const unexpected = Object.keys(check.outcomes).filter((o) => !allowed.includes(o));
          expect(unexpected, row.failures.slice(0, 5).join("\n")).toEqual([]);
        },
        LOOP_MS + 90_000,
      );
    }
  }

  async function runScenario(driver: TestDriver, scenario: Scenario): Promise<Row> {
    const server = testServer();
    const [pgHost, pgPort] = [new URL(scratch.url).hostname, Number(new URL(scratch.url).port)];
    const [wsHost, wsPort] = server.wsProxy.split(":");
    // The proxy sits in the driver's path: before PostgreSQL, or before websockify.
    const proxy = startTcpProxy(
      driver === "neon-ws"
        ? { hostname: wsHost, port: Number(wsPort) }
        : { hostname: pgHost, port: pgPort },
    );
    const viaProxy = new URL(scratch.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    let http: NeonHttpServer | undefined;
    if (driver === "neon-http") http = startNeonHttpServer();
    const env = {
      ...driverEnv(driver, {
        databaseUrl: driver === "neon-ws" ? scratch.url : viaProxy.toString(),
        wsProxy: driver === "neon-ws" ? `127.0.0.1:${proxy.port}` : server.wsProxy,
        httpEndpoint: http?.url,
      }),
      ...LIMITS,
    };
    let retries = 0;
    let lostCommitRetries = 0;
    const failures: string[] = [];
    const recent: string[] = [];
    const onLog = (line: string) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      if (line.includes('"request_failed"')) failures.push(line);
      if (!line.includes('"db_retry"')) return;
      retries++;
      if (line.includes('"commit_sent":true')) lostCommitRetries++;
    };
    const rig: Rig = {
      driver,
      proxy,
      server: await startServerProcess({ env, onLog }),
      async restartServer() {
        rig.server = await startServerProcess({ env, onLog, port: rig.server.port });
      },
      terminateBackends: () => terminateClientBackends(admin, database),
    };
    try {
      const tenantId = await createTenant(inspector, `faults ${scenario.name} ${driver}`);
      const apiKey = await createApiKey(inspector, tenantId, "writer");
      const loop = startWriteLoop({
        origin: rig.server.origin,
        apiKey,
        prefix: `${driver}-${crypto.randomUUID().slice(0, 8)}`,
        writers: 4,
        hungAfterMs: DEADLINE_MS + 5_000,
      });
      await sleep(300);
      const faults = await scenario.inject(rig, performance.now() + LOOP_MS);
      proxy.restore();
      // Recovery: once the faults end, the API answers and writes again.
      // Only a scenario that kills the server may find it gone: nothing else may end it.
      expect(rig.server.exited(), `the server process ended by itself:\n${recent.join("\n")}`)
        .toBe(false);
      await waitUntilWritten(
        loop.acknowledged,
        20_000,
        () => recoverySummary(loop.writes, recent),
      );
      await loop.stop();
      const check = await checkLedger(inspector, tenantId, loop.writes);
      return {
        scenario: scenario.name,
        driver,
        faults,
        check,
        retries,
        lostCommitRetries,
        failures,
      };
    } finally {
      await rig.server.kill("SIGKILL");
      await http?.close();
      await proxy.close();
    }
  }
});

/** Resolves once a write is acknowledged after this call; throws when none is within `ms`. */
async function waitUntilWritten(
  acknowledged: () => number,
  ms: number,
  describe: () => string,
) {
  const before = acknowledged();
  if (!(await until(() => Promise.resolve(acknowledged() > before), ms))) {
    throw new Error(`no write acknowledged in ${ms} ms\n${describe()}`);
  }
}

/** What the last writes answered and what the server logged, for a scenario that did not recover. */
function recoverySummary(writes: readonly Write[], log: readonly string[]): string {
  const last = writes.slice(-12).map((w) =>
    `${w.id}: ${w.outcome ?? "open"} after ${
      Math.round((w.ended ?? performance.now()) - w.started)
    } ms`
  );
  return [...last, ...log].join("\n");
}

function formatTable(rows: Row[]): string {
  const lines = [
    "| fault | driver | faults injected | writes sent | acknowledged | committed unacknowledged | lost | duplicated | half-written | second audit rows | longest request (ms) | retries (COMMIT lost) | answers |",
    "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
  ];
  for (const { scenario, driver, faults, check, retries, lostCommitRetries } of rows) {
    const answers = Object.entries(check.outcomes).map(([k, n]) => `${k}: ${n}`).join(", ");
    lines.push(
      `| ${scenario} | ${driver} | ${faults} | ${check.sent} | ${check.acknowledged} | ` +
        `${check.committedUnacknowledged} | ${check.lost} | ${check.duplicated} | ` +
        `${check.halfWritten} | ${check.duplicateAuditRows} | ${check.longestMs} | ` +
        `${retries} (${lostCommitRetries}) | ` +
        `${answers} |`,
    );
  }
  return lines.join("\n");
}
