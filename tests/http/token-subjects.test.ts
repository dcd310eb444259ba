import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

const SECRET = "token-subjects-http-test-secret-of-length";

/**
 * A token's `sub` is what audit rows and cost records name as the actor (`user:<sub>`, at most
 * 300 characters, and PostgreSQL text holds no NUL). A token whose subject can't be recorded is
 * refused with 401 up front, rather than its writes failing on the audit row (found by the fuzz
 * suite: each such write was refused with a 4xx and its audit row was lost).
 */
describe("tokens whose subject the audit log can't record", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi({ PGRAG_JWT_SECRET: SECRET });
  });
  afterAll(() => api?.close());

  const tokenFor = (sub: string) =>
    new SignJWT({ sub, app_metadata: { tenant_id: api.tenantId, pgrag_role: "writer" } })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));

  const write = async (sub: string, id: string) =>
    await api.request("POST", "/documents", {
      key: null,
      headers: { Authorization: `Bearer ${await tokenFor(sub)}` },
      body: { documents: [{ id, content: "written with a token" }] },
    });

  for (const [name, sub] of [["296 characters", "x".repeat(296)], ["a NUL", "a\u0000b"]]) {
    it(`refuses a subject of ${name} with 401 and stores nothing`, async () => {
      const before = await tenantFingerprint(api.test.db, api.tenantId);
      const response = await write(sub, `doc-${name}`);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe("unauthenticated");
      expect(response.body.detail).toMatch(/sub/);
      expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
    });
  }

  it("lets a subject of 295 characters write, audited under it", async () => {
    const sub = "y".repeat(295);
    const response = await write(sub, "doc-longest-subject");
    expect(response.status).toBe(200);
    const rows = await api.test.db.transaction((tx) =>
      tx.query<{ user_id: string }>(
        "select user_id from pgrag.audit_logs where tenant_id = $1 and details ->> 'request_id' = $2",
        [api.tenantId, response.headers.get("x-request-id")],
      )
    );
    expect(rows).toEqual([{ user_id: `user:${sub}` }]);
  });
});
