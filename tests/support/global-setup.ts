import type { TestProject } from "vitest/node";
import postgres from "postgres";
import { openPostgresJs } from "../../shared/db/postgres-js.ts";
import { loadProjectSchema, migrate } from "../../shared/db/migrations.ts";
import { detectServer, TEST_DATABASE, type TestServer } from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    server: TestServer | null;
  }
}

/** Recreates the shared test database on the server once per run and migrates it. */
export default async function setup(project: TestProject) {
  const server = await detectServer(process.env);
  project.provide("server", server);
  if (!server) return;
  const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${TEST_DATABASE} with (force)`);
    await admin.unsafe(`create database ${TEST_DATABASE}`);
  } finally {
    await admin.end();
  }
  const db = openPostgresJs({
    url: server.databaseUrl,
    maxConnections: 2,
    idleTimeoutSeconds: 5,
    connectTimeoutSeconds: 5,
  });
  try {
    await migrate(db, await loadProjectSchema(), { embeddingDim: 3 });
  } finally {
    await db.close();
  }
}
