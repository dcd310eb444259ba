import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Row, Statement } from "../../shared/db/database.ts";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";

/**
 * The embedding queue's SQL (sql/logic/35_embedding_queue.sql) where workers meet: claims that
 * never overlap, and completions of one document's last chunks at the same moment.
 */
describe("the embedding queue under concurrent workers", () => {
  let test: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    test = await openTestDatabase();
    db = test.db;
  });
  afterAll(() => test.close());

  const as = (tenantId: string, statements: Statement[]): Promise<Row[][]> =>
    db.run({ role: "api", tenantId }, statements);

  /** A tenant with one document of `chunks` chunks, all queued for embedding. */
  async function queuedDocument(chunks: number) {
    const tenantId = await createTenant(db);
    const rows = Array.from({ length: chunks }, (_, i) => ({
      id: `c${i}`,
      document_id: "d",
      chunk_index: i,
      content: `chunk number ${i} of the document`,
    }));
    await as(tenantId, [
      { text: "select set_config('pgrag.embedding', 'auto', true)" },
      {
        text: "select pgrag.upsert_documents($1::text::json, $2::text::json, null)",
        params: [JSON.stringify([{ id: "d", content: "the document" }]), JSON.stringify(rows)],
      },
    ]);
    return tenantId;
  }

  const claim = async (tenantId: string, size: number) => {
    const [[row]] = await as(tenantId, [{
      text: "select pgrag.claim_embeddings($1, 60) as claim",
      params: [size],
    }]);
    const claim = typeof row.claim === "string" ? JSON.parse(row.claim) : row.claim;
    return claim.items as { chunk_id: string; content_hash: string }[];
  };
  const completion = (items: { chunk_id: string; content_hash: string }[]): Statement => ({
    text: "select pgrag.complete_embeddings($1::text::json, $2, null)",
    params: [JSON.stringify(items), items.map(() => "[1,0,0]").join(" ")],
  });
  const status = async (tenantId: string) =>
    (await as(tenantId, [{ text: "select status from pgrag.documents where id = 'd'" }]))[0][0]
      .status;

  it("gives concurrent claims disjoint entries", async () => {
    const tenantId = await queuedDocument(12);
    const claims = await Promise.all([1, 2, 3].map(() => claim(tenantId, 4)));
    const ids = claims.flat().map((item) => item.chunk_id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(await claim(tenantId, 4)).toEqual([]);
  });

  it("marks the document processed when two workers store its last chunks at once", async () => {
    const tenantId = await queuedDocument(2);
    const [first, second] = [await claim(tenantId, 1), await claim(tenantId, 1)];
    expect(first.concat(second)).toHaveLength(2);
    // The first completion stays open while the second runs: without turns, each would see the
    // other's chunk still without embedding, and the document would stay processing for ever.
    let secondDone: Promise<unknown> = Promise.resolve();
    await db.transaction(async (tx) => {
      await tx.query(
        "select set_config('role', 'pgrag_api', true), set_config('pgrag.tenant_id', $1, true)",
        [tenantId],
      );
      const statement = completion(first);
      await tx.query(statement.text, statement.params);
      secondDone = as(tenantId, [completion(second)]);
      // Long enough for the second to reach its turn and wait there, where it can.
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await secondDone;
    expect(await status(tenantId)).toBe("processed");
    const [[queue]] = await as(tenantId, [
      { text: "select count(*)::int as n from pgrag.embedding_queue" },
    ]);
    expect(queue.n).toBe(0);
  });
});
