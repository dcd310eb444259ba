import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../support/server-process.ts";

const BODY_TIMEOUT_MS = 500;
const ADMIN_KEY = "body-timeout-test-admin-key-32-chars-long";

/**
 * Sends headers announcing a 1,000-byte body and only half of it, then reads the server's answer
 * until it is complete, the server closes the connection or `waitMs` passes.
 */
async function halfBody(port: number, path: string, headers: string, waitMs = 10_000) {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const started = performance.now();
  await connection.write(new TextEncoder().encode(
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
      `Content-Length: 1000\r\n${headers}\r\n` + `{"documents":[${" ".repeat(485)}`,
  ));
  const giveUp = setTimeout(() => connection.close(), waitMs);
  let reply = "";
  let answeredMs = Infinity;
  try {
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await connection.read(buffer);
      if (n === null) break;
      if (reply === "") answeredMs = performance.now() - started;
      reply += new TextDecoder().decode(buffer.subarray(0, n));
      if (complete(reply)) break;
    }
  } catch {
    // Closed by giveUp: the server held the connection.
  } finally {
    clearTimeout(giveUp);
    try {
      connection.close();
    } catch {
      // Already closed.
    }
  }
  return { reply, answeredMs };
}

function complete(reply: string): boolean {
  const [head, body] = reply.split("\r\n\r\n");
  const length = /content-length: (\d+)/i.exec(head)?.[1];
  return body !== undefined && length !== undefined && body.length >= Number(length);
}

describe("a body that does not arrive (a real server process, embedded database)", () => {
  let server: ServerProcess;
  let apiKey: string;

  beforeAll(async () => {
    server = await startServerProcess({
      env: {
        PGRAG_DATA_DIR: "memory://",
        PGRAG_EMBEDDING_DIM: "3",
        PGRAG_ADMIN_KEY: ADMIN_KEY,
        PGRAG_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
      },
    });
    const admin = (path: string, body: unknown) =>
      fetch(`${server.origin}/rag/v1${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }).then((response) => response.json());
    const tenant = await admin("/admin/tenants", { name: "Slow", slug: "slow" });
    apiKey = (await admin(`/admin/tenants/${tenant.id}/api-keys`, { name: "w", role: "writer" }))
      .key;
  }, 60_000);
  afterAll(async () => {
    await server?.kill("SIGTERM");
  });

  it.each([
    ["a tenant route", "/rag/v1/documents", () => `X-API-Key: ${apiKey}\r\n`],
    ["an admin route", "/rag/v1/admin/tenants", () => `Authorization: Bearer ${ADMIN_KEY}\r\n`],
  ])(
    "%s answers 408 body_timeout, asking to close the connection",
    async (_name, path, headers) => {
      const { reply, answeredMs } = await halfBody(server.port, path, headers());
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(reply).toContain("application/problem+json");
      expect(reply).toContain('"code":"body_timeout"');
      expect(reply.toLowerCase()).toContain("connection: close");
      // Answered once the bound passed, well before the request deadline (30 s).
      expect(answeredMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
      expect(answeredMs).toBeLessThan(BODY_TIMEOUT_MS + 5_000);
    },
  );

  it("without credentials the body is not waited for: 401 at once", async () => {
    const { reply, answeredMs } = await halfBody(
      server.port,
      "/rag/v1/documents",
      "",
    );
    expect(reply).toMatch(/^HTTP\/1\.1 401 /);
    expect(reply.toLowerCase()).toContain("connection: close");
    expect(answeredMs).toBeLessThan(BODY_TIMEOUT_MS);
  });
});
