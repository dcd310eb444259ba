import { inject } from "vitest";
import type { Database } from "../../shared/db/database.ts";
import type { DatabaseLimits } from "../../shared/db/resilient.ts";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { openNeon } from "../../shared/db/neon.ts";
import { openPglite } from "../../shared/db/pglite.ts";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";
import { type NeonHttpServer, startNeonHttpServer } from "./neon-http-server.ts";
import type { TestServer } from "./server.ts";

/** The driver this vitest project runs the suite on. */
export type TestDriver = "pglite" | "postgres" | "neon-ws" | "neon-http";
export const TEST_DRIVERS: readonly TestDriver[] = ["pglite", "postgres", "neon-ws", "neon-http"];

/** Tiny embeddings keep fixtures readable; the dimension is a per-install setting. */
export const TEST_EMBEDDING_DIM = 3;

export function currentDriver(): TestDriver {
  const driver = process.env.PGRAG_TEST_DRIVER as TestDriver | undefined;
  if (!driver || !TEST_DRIVERS.includes(driver)) throw new Error("PGRAG_TEST_DRIVER is not set");
  return driver;
}

export function testServer(): TestServer {
  const server = inject("server");
  if (!server) throw new Error("this project needs the PostgreSQL server");
  return server;
}

export interface TestDatabase {
  db: Database;
  /** The local Neon `/sql` endpoint, when the driver is neon-http. */
  http?: NeonHttpServer;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Connect to this database instead of the shared, migrated test database. */
  url?: string;
  /** Route the driver's traffic to PostgreSQL through this `host:port` (a test proxy). */
  via?: { hostname: string; port: number };
  maxConnections?: number;
  /** postgres.js only: use named prepared statements. */
  prepare?: boolean;
  /** Migrate a fresh embedded database (server databases are migrated by the global setup). */
  migrate?: boolean;
  /** Deadlines, queue and retries; the defaults for what is not given. */
  limits?: Partial<DatabaseLimits>;
}

/** Opens the database of the current driver; PGlite gets a fresh in-memory database. */
export async function openTestDatabase(options: OpenOptions = {}): Promise<TestDatabase> {
  const driver = currentDriver();
  const pool = {
    maxConnections: options.maxConnections ?? 4,
    idleTimeoutSeconds: 10,
    connectTimeoutSeconds: 3,
    limits: options.limits,
  };
  if (driver === "pglite") {
    const db = await openPglite({ dataDir: "memory://", limits: options.limits });
    if (options.migrate !== false) {
      await migrate(db, await loadProjectSchema(), { embeddingDim: TEST_EMBEDDING_DIM });
    }
    return { db, close: () => db.close() };
  }
  const server = testServer();
  const url = options.url ?? server.databaseUrl;
  if (driver === "postgres") {
    const db = openPostgresJs({
      url: redirect(url, options.via),
      ...pool,
      prepare: options.prepare,
    });
    return { db, close: () => db.close() };
  }
  if (driver === "neon-ws") {
    const db = openNeon({
      url,
      ...pool,
      useHttp: false,
      wsProxy: proxyAddress(server, options.via),
    });
    return { db, close: () => db.close() };
  }
  const http = startNeonHttpServer();
  const db = openNeon({
    url: redirect(url, options.via),
    ...pool,
    useHttp: true,
    wsProxy: server.wsProxy,
    httpEndpoint: http.url,
  });
  return {
    db,
    http,
    async close() {
      await db.close();
      await http.close();
    },
  };
}

/** The connection string with its host and port replaced by the proxy's. */
function redirect(url: string, via?: { hostname: string; port: number }): string {
  if (!via) return url;
  const parsed = new URL(url);
  parsed.hostname = via.hostname;
  parsed.port = String(via.port);
  return parsed.toString();
}

function proxyAddress(server: TestServer, via?: { hostname: string; port: number }): string {
  return via ? `${via.hostname}:${via.port}` : server.wsProxy;
}

/** Creates a tenant through the admin role and returns its id. */
export async function createTenant(db: Database, name = "Test tenant"): Promise<string> {
  const slug = `t-${crypto.randomUUID()}`;
  const [rows] = await db.run({ role: "admin" }, [{
    text: "insert into pgrag.tenants (name, slug) values ($1, $2) returning id",
    params: [name, slug],
  }]);
  return rows[0].id as string;
}

/** Where a test proxy must forward to, to sit in the current driver's path to PostgreSQL. */
export function proxyTarget(): { hostname: string; port: number } {
  const server = testServer();
  if (currentDriver() === "neon-ws") {
    const [hostname, port] = server.wsProxy.split(":");
    return { hostname, port: Number(port) };
  }
  const url = new URL(server.databaseUrl);
  return { hostname: url.hostname, port: Number(url.port || 5432) };
}
