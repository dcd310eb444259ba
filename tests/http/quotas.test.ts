import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";

const MIB = 1024 * 1024;

describe("quotas (max_documents, max_storage_mb → 429 quota_exceeded)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  /** A fresh tenant with the given limits, set directly as the database owner. */
  const tenantWithLimits = async (limits: { documents?: number; storageMb?: number }) => {
    const tenant = await api.addTenant();
    await api.test.db.transaction((tx) =>
      tx.query("update pgrag.tenants set max_documents = $2, max_storage_mb = $3 where id = $1", [
        tenant.tenantId,
        limits.documents ?? null,
        limits.storageMb ?? null,
      ])
    );
    return tenant;
  };

  const writeAs = (key: string) => (documents: unknown[]) =>
    api.request("POST", "/documents", { key, body: { documents } });

  /**
   * Explicit chunks keep the server from tokenizing large contents; chunk ids derive from their
   * content, so each document's chunk names the document to stay distinct.
   */
  const doc = (id: string, content: string) => ({
    id,
    content,
    chunks: [{ content: `the chunk of ${id}` }],
  });

  /** What the counters say next to what the documents table holds. */
  const usageAndRecount = async (tenantId: string) => {
    const [row] = await api.test.db.transaction((tx) =>
      tx.query<Record<string, number>>(
        `select (select documents from pgrag.tenant_usage where tenant_id = $1)::int as documents,
                (select storage_bytes from pgrag.tenant_usage where tenant_id = $1)::int as bytes,
                (select count(*) from pgrag.documents where tenant_id = $1)::int
                  as counted_documents,
                (select coalesce(sum(octet_length(content)), 0) from pgrag.documents
                  where tenant_id = $1)::int as counted_bytes`,
        [tenantId],
      )
    );
    return row;
  };

  const expectCountersMatchRecount = async (tenantId: string) => {
    const usage = await usageAndRecount(tenantId);
    expect({ documents: usage.documents ?? 0, bytes: usage.bytes ?? 0 }).toEqual({
      documents: usage.counted_documents,
      bytes: usage.counted_bytes,
    });
    return usage;
  };

  it("admits exactly max_documents of many concurrent single-document writes", async () => {
    const limit = 3;
    const attempts = 12;
    const { tenantId, keys } = await tenantWithLimits({ documents: limit });
    const write = writeAs(keys.writer);
    const responses = await Promise.all(
      Array.from({ length: attempts }, (_, i) => write([doc(`race-${i}`, `race document ${i}`)])),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(attempts - limit);
    for (const refused of responses.filter((response) => response.status === 429)) {
      expect(refused.body).toMatchObject({ code: "quota_exceeded", status: 429 });
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
    }
    const usage = await expectCountersMatchRecount(tenantId);
    expect(usage.counted_documents).toBe(limit);
    expect(usage.documents).toBe(limit);
    // The documents kept are the ones that were told so.
    const admitted = responses
      .filter((response) => response.status === 200)
      .map((response) => response.body.documents[0].id)
      .sort();
    const stored = await api.test.db.transaction((tx) =>
      tx.query<{ id: string }>(
        "select id from pgrag.documents where tenant_id = $1 order by id",
        [tenantId],
      )
    );
    expect(stored.map((row) => row.id)).toEqual(admitted);
  });

  it("at the limit, lets existing documents be re-sent and changed, and a delete frees a slot", async () => {
    const { tenantId, keys } = await tenantWithLimits({ documents: 2 });
    const write = writeAs(keys.writer);
    expect((await write([doc("a", "first"), doc("b", "second")])).status).toBe(200);

    const again = await write([doc("a", "first")]);
    expect(again.status).toBe(200);
    expect(again.body.documents[0]).toMatchObject({ id: "a", created: false });
    const changed = await write([doc("b", "second, longer than before")]);
    expect(changed.status).toBe(200);
    expect(changed.body.documents[0]).toMatchObject({ id: "b", created: false });

    const before = await tenantFingerprint(api.test.db, tenantId);
    const third = await write([doc("c", "third")]);
    expect(third.status).toBe(429);
    expect(third.body.code).toBe("quota_exceeded");
    expect(await tenantFingerprint(api.test.db, tenantId)).toBe(before);

    const deleted = await api.request("DELETE", "/documents/a", { key: keys.writer });
    expect(deleted.status).toBe(204);
    const retried = await write([doc("c", "third")]);
    expect(retried.status).toBe(200);
    expect(retried.body.documents[0]).toMatchObject({ id: "c", created: true });
    expect((await expectCountersMatchRecount(tenantId)).documents).toBe(2);
  });

  it("refuses a whole batch that would cross the limit, writing nothing", async () => {
    const { tenantId, keys } = await tenantWithLimits({ documents: 3 });
    const write = writeAs(keys.writer);
    expect((await write([doc("one", "one"), doc("two", "two")])).status).toBe(200);
    const before = await tenantFingerprint(api.test.db, tenantId);

    // Two new documents where one slot is left; the re-sent "one" does not save the batch.
    const crossing = await write([doc("one", "one, edited"), doc("three", "3"), doc("four", "4")]);
    expect(crossing.status).toBe(429);
    expect(crossing.body.code).toBe("quota_exceeded");
    expect(await tenantFingerprint(api.test.db, tenantId)).toBe(before);
    expect((await expectCountersMatchRecount(tenantId)).documents).toBe(2);

    // One new document and one re-sent fit exactly.
    expect((await write([doc("one", "one, edited"), doc("three", "3")])).status).toBe(200);
    expect((await expectCountersMatchRecount(tenantId)).documents).toBe(3);
  });

  it("keeps serving updates and deletes when the limit is lowered below the usage", async () => {
    const { tenantId, keys } = await tenantWithLimits({});
    const write = writeAs(keys.writer);
    expect((await write([doc("x", "x"), doc("y", "y"), doc("z", "z")])).status).toBe(200);
    await api.test.db.transaction((tx) =>
      tx.query("update pgrag.tenants set max_documents = 1 where id = $1", [tenantId])
    );
    expect((await write([doc("x", "x grew a little")])).status).toBe(200);
    expect((await api.request("DELETE", "/documents/y", { key: keys.writer })).status).toBe(204);
    const refused = await write([doc("w", "w")]);
    expect(refused.status).toBe(429);
    expect((await expectCountersMatchRecount(tenantId)).documents).toBe(2);
  });

  it("enforces max_storage_mb on content bytes, and lets a document shrink", async () => {
    const { tenantId, keys } = await tenantWithLimits({ storageMb: 1 });
    const write = writeAs(keys.writer);
    // 0.7 MB each: under the 1 MiB text limit per field, two of them over the 1 MB quota.
    const text = (letter: string, mb: number) => `${letter} `.repeat(Math.round((mb * MIB) / 2));
    expect((await write([doc("big-1", text("a", 0.7))])).status).toBe(200);
    expect((await write([doc("small", text("s", 0.2))])).status).toBe(200);

    const before = await tenantFingerprint(api.test.db, tenantId);
    const second = await write([doc("big-2", text("b", 0.7))]);
    expect(second.status).toBe(429);
    expect(second.body.code).toBe("quota_exceeded");
    expect(second.body.detail).toMatch(/MB/);
    // Growing an existing document past the quota is refused like adding one.
    const grown = await write([doc("small", text("s", 0.4))]);
    expect(grown.status).toBe(429);
    expect(grown.body.code).toBe("quota_exceeded");
    expect(await tenantFingerprint(api.test.db, tenantId)).toBe(before);

    const shrunk = await write([doc("big-1", "a short text now")]);
    expect(shrunk.status).toBe(200);
    expect((await write([doc("big-2", text("b", 0.7))])).status).toBe(200);
    const usage = await expectCountersMatchRecount(tenantId);
    expect(usage.bytes).toBe(
      "a short text now".length + text("s", 0.2).length + text("b", 0.7).length,
    );
  });

  it("keeps the counters equal to a recount through a mix of writes and deletes", async () => {
    const { tenantId, keys } = await tenantWithLimits({});
    const write = writeAs(keys.writer);
    // Multi-byte text: storage counts UTF-8 bytes, not characters.
    const steps: Array<[expected: number, step: () => Promise<{ status: number }>]> = [
      [200, () => write([doc("m1", "ascii"), doc("m2", "déjà vu ✓"), doc("m3", "🐘 elephants")])],
      [200, () => write([doc("m2", "déjà vu ✓ encore"), doc("m4", "four")])],
      [204, () => api.request("DELETE", "/documents/m1", { key: keys.writer })],
      [200, () => write([doc("m1", "ascii, back again"), doc("m3", "🐘")])],
      [200, () =>
        api.request("POST", "/documents/delete", {
          key: keys.writer,
          body: { ids: ["m3", "m4", "never-there"] },
        })],
      // Refused requests leave the counters alone.
      [400, () => write([doc("m5", "five"), { id: "m6", content: "   " }])],
      [
        403,
        () =>
          api.request("POST", "/documents", {
            key: keys.reader,
            body: { documents: [doc("m7", "r")] },
          }),
      ],
      [200, () => write([doc("m5", "five ✓✓✓")])],
    ];
    for (const [expected, step] of steps) {
      expect((await step()).status).toBe(expected);
      await expectCountersMatchRecount(tenantId);
    }
    const usage = await expectCountersMatchRecount(tenantId);
    expect(usage.counted_documents).toBe(3);
    expect(usage.bytes).toBe(
      new TextEncoder().encode("ascii, back again" + "déjà vu ✓ encore" + "five ✓✓✓").length,
    );
  });
});
