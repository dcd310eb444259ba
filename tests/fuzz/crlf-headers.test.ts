import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../support/server-process.ts";
import { TEST_EMBEDDING_DIM } from "../support/database.ts";

const ADMIN_KEY = "the-operators-admin-key-for-the-crlf-suite-0123";

/**
 * Header values with CR, LF or NUL can't be sent through the Fetch API (Headers throws), so the
 * in-process fuzz suite can't send them. Here they go over a raw TCP socket to the real server
 * process (embedded database): the runtime's HTTP parser must refuse them before the app, and
 * a write smuggled in after an injected line break must not land.
 */
describe("CR and LF in request headers", () => {
  let server: ServerProcess;
  let key: string;

  beforeAll(async () => {
    server = await startServerProcess({
      env: {
        PGRAG_DATA_DIR: "memory://",
        PGRAG_EMBEDDING_DIM: String(TEST_EMBEDDING_DIM),
        PGRAG_ADMIN_KEY: ADMIN_KEY,
      },
    });
    key = await issueKey(server.origin);
  }, 60_000);
  afterAll(() => server?.kill("SIGTERM"));

  it("are refused by the Fetch API, so no in-process request can carry them", () => {
    for (const value of ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b"]) {
      expect(() => new Headers({ "X-API-Key": value }), JSON.stringify(value)).toThrow(TypeError);
    }
  });

  const injections: [string, (key: string) => string][] = [
    ["a bare LF before a second length", (k) => `X-API-Key: ${k}\nContent-Length: 5\r\n`],
    ["a bare CR in a value", (k) => `X-API-Key: ${k}\rX-Evil: 1\r\n`],
    ["NUL in a value", (k) => `X-API-Key: ${k}\0\r\n`],
    ["an obsolete folded line", (k) => `X-API-Key: ${k}\r\n X-Evil: 1\r\n`],
    ["a space before the colon", (k) => `X-API-Key : ${k}\r\n`],
    ["two different lengths", (k) => `X-API-Key: ${k}\r\nContent-Length: 5\r\n`],
  ];

  for (const [name, header] of injections) {
    it(`answers ${name} with a 4xx, and stores nothing`, async () => {
      const id = `crlf-${crypto.randomUUID()}`;
      const body = JSON.stringify({ documents: [{ id, content: "smuggled" }] });
      const head = `POST /rag/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n${header(key)}` +
        `Connection: close\r\n\r\n`;
      const status = await rawStatus(server.port, head + body);
      expect(status, `${name}: status line ${status}`).toBeGreaterThanOrEqual(400);
      expect(status, `${name}: status line ${status}`).toBeLessThan(500);
      const read = await fetch(`${server.origin}/rag/v1/documents/${id}`, {
        headers: { "X-API-Key": key },
      });
      await read.body?.cancel();
      expect(read.status, `${name}: the document was stored`).toBe(404);
    });
  }

  // RFC 9112 §2.2 lets a recipient take a bare LF for a line end, and the runtime does: what
  // follows it is a header of its own, never part of the value the app reads.
  it("ends a header line at a bare LF, so the value the app reads holds none", async () => {
    const id = `crlf-${crypto.randomUUID()}`;
    const body = JSON.stringify({ documents: [{ id, content: "split" }] });
    const status = await rawStatus(
      server.port,
      `POST /rag/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nX-API-Key: ${key}\nX-Evil: 1\r\nConnection: close\r\n\r\n` +
        body,
    );
    // 200: the key before the LF authenticated on its own.
    expect(status).toBe(200);
  });
});

/** Sends bytes as they are and returns the status code of the answer's status line (0: none). */
async function rawStatus(port: number, request: string): Promise<number> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(1024);
    const read = await connection.read(buffer);
    const line = new TextDecoder().decode(buffer.subarray(0, read ?? 0)).split("\r\n")[0];
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(line)?.[1] ?? 0);
  } finally {
    connection.close();
  }
}

/** A writer key of a new tenant, through the admin API. */
async function issueKey(origin: string): Promise<string> {
  const admin = { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/json" };
  const tenant = await (await fetch(`${origin}/rag/v1/admin/tenants`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ name: "CRLF", slug: "crlf" }),
  })).json();
  const issued = await (await fetch(`${origin}/rag/v1/admin/tenants/${tenant.id}/api-keys`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ name: "writer", role: "writer" }),
  })).json();
  return issued.key;
}
