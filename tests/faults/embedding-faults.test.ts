import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../shared/db/database.ts";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";
import { createApiKey } from "../support/api.ts";
import { createTenant, TEST_EMBEDDING_DIM, testServer } from "../support/database.ts";
import {
  type EmbeddingStandIn,
  standInVector,
  startEmbeddingStandIn,
} from "../support/embedding-stand-in.ts";
import { createScratchDatabase } from "../support/server.ts";
import { driverEnv, type ServerProcess, startServerProcess } from "../support/server-process.ts";
import { until } from "../support/until.ts";
import { restartPostgres, terminateClientBackends } from "./postgres-faults.ts";

/**
 * Automatic embedding under faults, on PostgreSQL 17 through postgres.js: the real server
 * process drains the queue with its resident workers while it is SIGKILLed and restarted, while
 * PostgreSQL restarts (for real where CI says how) or its backends are terminated. Afterwards
 * every chunk holds the embedding of its own content, every document is processed, the queue
 * is empty, and the provider was paid for few texts twice. `PGRAG_TEST_FAULTS=full` writes more
 * documents and injects faults for longer.
 */
const FULL = process.env.PGRAG_TEST_FAULTS === "full";
const DOCUMENTS = FULL ? 600 : 120;
const FAULT_MS = FULL ? 20_000 : 4_000;
const RESTART_COMMAND = process.env.PGRAG_TEST_PG_RESTART;
const CLAIM_SIZE = 8;
const WORKERS = 2;

/** Short leases and polls, so that a dead worker's claims come back within the test. */
const SERVER_ENV = {
  PGRAG_EMBEDDING_PROVIDER: "openai",
  PGRAG_EMBEDDING_MODEL: "stand-in-small",
  PGRAG_EMBEDDING_BATCH_SIZE: "4",
  PGRAG_EMBEDDING_ATTEMPTS: "3",
  PGRAG_EMBEDDING_TIMEOUT_MS: "2000",
  PGRAG_EMBEDDING_WORKERS: String(WORKERS),
  PGRAG_EMBEDDING_CLAIM_SIZE: String(CLAIM_SIZE),
  PGRAG_EMBEDDING_LEASE_SECONDS: "6",
  PGRAG_EMBEDDING_JOB_ATTEMPTS: "100",
  PGRAG_EMBEDDING_POLL_MS: "200",
  PGRAG_REQUEST_TIMEOUT_MS: "4000",
  PGRAG_DB_CONNECT_TIMEOUT: "2",
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Rig {
  server: ServerProcess;
  /** Called before each fault: records how much work was left when it struck. */
  beforeFault(): Promise<void>;
  restartServer(): Promise<void>;
  terminateBackends(): Promise<number>;
}

const SCENARIOS: { name: string; inject(rig: Rig, until: number): Promise<number> }[] = [
  {
    name: "API process SIGKILLed mid-drain and restarted",
    async inject(rig, until) {
      let kills = 0;
      while (performance.now() < until) {
        await sleep(300 + Math.random() * 400);
        await rig.beforeFault();
        await rig.server.kill("SIGKILL");
        kills++;
        await rig.restartServer();
      }
      return kills;
    },
  },
  {
    name: RESTART_COMMAND ? "PostgreSQL restarted mid-drain" : "backends terminated mid-drain",
    async inject(rig, until) {
      let faults = 0;
      while (performance.now() < until) {
        await sleep(400 + Math.random() * 400);
        await rig.beforeFault();
        if (RESTART_COMMAND) {
          await restartPostgres(RESTART_COMMAND);
        } else {
          await rig.terminateBackends();
        }
        faults++;
      }
      return faults;
    },
  },
];

describe(`automatic embedding under faults (${FULL ? "full" : "short"})`, () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let inspector: Database;
  let admin: postgres.Sql;
  let standIn: EmbeddingStandIn;

  beforeAll(async () => {
    const server = testServer();
    scratch = await createScratchDatabase(server, "embedding_faults");
    inspector = openPostgresJs({
      url: scratch.url,
      maxConnections: 2,
      idleTimeoutSeconds: 5,
      connectTimeoutSeconds: 5,
    });
    await migrate(inspector, await loadProjectSchema(), { embeddingDim: TEST_EMBEDDING_DIM });
    admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
    standIn = startEmbeddingStandIn({ dimensions: TEST_EMBEDDING_DIM });
    // Long enough that kills land while calls are in flight.
    standIn.latencyMs = 250;
  });
  afterAll(async () => {
    await standIn?.close();
    await inspector?.close();
    await admin?.end();
    await scratch?.drop();
  });

  for (const scenario of SCENARIOS) {
    it(
      `${scenario.name}: every chunk embedded from its own content, every document processed`,
      async () => {
        const database = new URL(scratch.url).pathname.slice(1);
        const env = {
          ...driverEnv("postgres", { databaseUrl: scratch.url, wsProxy: "" }),
          ...SERVER_ENV,
          PGRAG_EMBEDDING_URL: standIn.url,
        };
        let tenantId = "";
        const pendingAtFaults: number[] = [];
        const rig: Rig = {
          server: await startServerProcess({ env }),
          async beforeFault() {
            pendingAtFaults.push(await pending(inspector, tenantId));
          },
          async restartServer() {
            rig.server = await startServerProcess({ env, port: rig.server.port });
          },
          terminateBackends: () => terminateClientBackends(admin, database),
        };
        try {
          tenantId = await createTenant(inspector, `embedding faults ${scenario.name}`);
          const apiKey = await createApiKey(inspector, tenantId, "writer");
          const contents = Array.from(
            { length: DOCUMENTS },
            (_, i) =>
              `document ${i} about ${WORDS[i % WORDS.length]} and ${WORDS[(i * 7) % WORDS.length]}`,
          );
          const callsBefore = standIn.calls.length;
          await upload(rig.server.origin, apiKey, contents);

          const faults = await scenario.inject(rig, performance.now() + FAULT_MS);
          expect(faults).toBeGreaterThan(0);
          // The first fault struck a drain in progress.
          expect(pendingAtFaults[0]).toBeGreaterThan(0);

          const settled = await until(
            async () => (await pending(inspector, tenantId)) === 0,
            60_000,
          );
          expect(settled, `still pending: ${await pending(inspector, tenantId)}`).toBe(true);

          const rows = await inspector.transaction((tx) =>
            tx.query<{ content: string; embedding: string; status: string; error_msg: string }>(
              "select c.content, c.embedding::text as embedding, d.status, d.error_msg " +
                "from pgrag.chunks c join pgrag.documents d " +
                "on d.tenant_id = c.tenant_id and d.id = c.document_id where c.tenant_id = $1",
              [tenantId],
            )
          );
          expect(rows).toHaveLength(DOCUMENTS);
          for (const row of rows) {
            expect(row.status).toBe("processed");
            expect(row.error_msg).toBeNull();
            const stored = JSON.parse(row.embedding) as number[];
            const expected = standInVector(row.content, TEST_EMBEDDING_DIM);
            stored.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
          }
          const [queue] = await inspector.transaction((tx) =>
            tx.query<{ n: number }>(
              "select count(*)::int as n from pgrag.embedding_queue where tenant_id = $1",
              [tenantId],
            )
          );
          expect(queue.n).toBe(0);

          // Texts sent more than once: a batch the fault cut off after the provider answered
          // (or before), embedded again by whoever took its claim. Bounded by the batches in
          // flight at each fault.
          const sent = standIn.calls.slice(callsBefore).filter((call) => call.status === 200)
            .flatMap((call) => call.inputs);
          const repeated = sent.length - new Set(sent).size;
          expect(new Set(sent).size).toBe(DOCUMENTS);
          expect(repeated).toBeLessThanOrEqual(faults * WORKERS * CLAIM_SIZE);
          console.log(
            `${scenario.name}: ${faults} faults, ${DOCUMENTS} chunks, ` +
              `${sent.length} texts embedded (${repeated} again); documents left at each fault: ` +
              pendingAtFaults.join(", "),
          );
        } finally {
          await rig.server.kill("SIGKILL");
        }
      },
      FAULT_MS + 120_000,
    );
  }
});

const WORDS = [
  "harbours",
  "glaciers",
  "volcanoes",
  "orchards",
  "comets",
  "lichens",
  "estuaries",
  "deserts",
  "coral",
  "monsoons",
  "tundra",
];

/** Writes the documents through the API, in batches, retrying a batch the server refused. */
async function upload(origin: string, apiKey: string, contents: string[]) {
  for (let i = 0; i < contents.length; i += 40) {
    const documents = contents.slice(i, i + 40).map((content, j) => ({
      id: `doc-${i + j}`,
      content,
    }));
    const response = await fetch(`${origin}/rag/v1/documents`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": apiKey },
      body: JSON.stringify({ documents }),
    });
    expect(response.status, await response.text()).toBe(200);
  }
}

/** Documents of the tenant not yet processed. */
async function pending(db: Database, tenantId: string): Promise<number> {
  const [row] = await db.transaction((tx) =>
    tx.query<{ n: number }>(
      "select count(*)::int as n from pgrag.documents where tenant_id = $1 and status <> 'processed'",
      [tenantId],
    )
  ).catch(() => [{ n: -1 }]);
  return row.n;
}
