import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../support/api.ts";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";
import { type ServerProcess, startServerProcess } from "../support/server-process.ts";

const WRITERS = 4;
/** Acknowledged writes to wait for before the kill, so that it lands mid-loop. */
const ACKED_BEFORE_KILL = 40;

describe("SIGKILL of the server process in the middle of writes", () => {
  let test: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    test = await openTestDatabase();
    server = await startServerProcess(test);
  });
  afterAll(async () => {
    await server?.kill("SIGKILL");
    await test?.close();
  });

  it("leaves an audit row for every acknowledged write, and no write without one", async () => {
    const tenantId = await createTenant(test.db);
    const key = await createApiKey(test.db, tenantId, "writer");
    const acked = new Set<string>();
    const sent = new Set<string>();
    let next = 0;
    let killed = false;

    // Each write is one document under its own id, sent with the same value as its request id.
    const writer = async () => {
      while (!killed) {
        const id = `kill-${next++}`;
        sent.add(id);
        try {
          const response = await fetch(`${server.origin}/rag/v1/documents`, {
            method: "POST",
            headers: { "X-API-Key": key, "Content-Type": "application/json", "X-Request-Id": id },
            body: JSON.stringify({
              documents: [{ id, content: `write ${id}`, chunks: [{ content: `chunk ${id}` }] }],
            }),
          });
          await response.body?.cancel();
          if (response.status === 200) acked.add(id);
        } catch {
          return; // The server is gone.
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, writer);
    const deadline = Date.now() + 10_000;
    while (acked.size < ACKED_BEFORE_KILL && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const status = await server.kill("SIGKILL");
    killed = true;
    await Promise.all(writers);
    expect(status.signal).toBe("SIGKILL");

    const [documents, audited] = await test.db.transaction(async (tx) => [
      await tx.query<{ id: string }>("select id from pgrag.documents where tenant_id = $1", [
        tenantId,
      ]),
      await tx.query<{ id: string }>(
        "select details ->> 'request_id' as id from pgrag.audit_logs " +
          "where tenant_id = $1 and action = 'upsert' and success",
        [tenantId],
      ),
    ]);
    const committed = new Set(documents.map((row) => row.id));
    const withAudit = new Set(audited.map((row) => row.id));
    const missing = [...acked].filter((id) => !committed.has(id) || !withAudit.has(id));
    const unacknowledged = [...committed].filter((id) => !acked.has(id));
    console.log(
      `SIGKILL: ${sent.size} writes sent, ${acked.size} acknowledged, ${committed.size} ` +
        `committed, ${unacknowledged.length} committed without acknowledgement, ` +
        `${missing.length} acknowledged without audit row`,
    );
    expect(missing).toEqual([]);
    // The write and its audit row commit together: neither is ever left without the other.
    expect([...withAudit].sort()).toEqual([...committed].sort());
    expect(acked.size).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
  });
});
