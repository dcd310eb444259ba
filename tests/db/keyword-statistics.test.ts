import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentBatch, embeddingsApart } from "../../shared/batches/documents-and-chunks.ts";
import type { Database, Row, Statement } from "../../shared/db/database.ts";
import { DEFAULT_CHUNKING } from "../../shared/text/chunking.ts";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";

/** A small vocabulary with a skewed draw, so writers share most lexemes and a few are rare. */
const WORDS = Array.from({ length: 60 }, (_, i) => `term${String.fromCharCode(97 + (i % 26))}${i}`);
function text(seed: number, words: number): string {
  let state = seed * 2654435761 % 4294967296;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: words }, () => WORDS[Math.floor(next() ** 3 * WORDS.length)])
    .join(" ");
}

/** `pgrag.upsert_documents` of documents made of `chunks` chunks each, as POST /documents runs it. */
async function upsertStatement(
  documents: { id: string; title?: string; chunks: string[] }[],
): Promise<Statement> {
  const batch = await documentBatch(
    documents.map((document) => ({
      id: document.id,
      title: document.title,
      content: document.chunks.join(" "),
      chunks: document.chunks.map((content) => ({ content })),
    })),
    DEFAULT_CHUNKING,
  );
  return {
    text: "select pgrag.upsert_documents($1::text::json, $2::text::json, $3::text)",
    params: [JSON.stringify(batch.documents), ...embeddingsApart(batch.chunks)],
  };
}

/**
 * keyword_lexemes holds BM25's document frequencies, kept by the chunk triggers; these tests
 * hold them (and keyword_statistics) to a recount from the chunks after every kind of write.
 */
describe("keyword statistics kept on write", () => {
  let test: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    // No retries: a deadlock between writers must fail the test, not be hidden by a retry.
    test = await openTestDatabase({ limits: { retryBudgetMs: 0 } });
    db = test.db;
  });
  afterAll(() => test.close());

  const as = (tenantId: string, statements: Statement[]): Promise<Row[][]> =>
    db.run({ role: "api", tenantId }, statements);

  /** What the tenant's tables hold next to what its chunks say they should hold. */
  async function keptAndCounted(tenantId: string) {
    const [kept, counted, keptTotals, countedTotals] = await as(tenantId, [
      {
        text: "select lexeme, chunks::int from pgrag.keyword_lexemes where chunks <> 0 order by 1",
      },
      {
        text: `select l.lexeme, count(*)::int as chunks
                 from pgrag.chunks c, unnest(tsvector_to_array(c.content_tsv)) l(lexeme)
                group by l.lexeme order by 1`,
      },
      { text: "select chunks::int, lexemes::int from pgrag.keyword_statistics" },
      {
        text: `select count(*)::int as chunks, coalesce(sum(length(content_tsv)), 0)::int as lexemes
                 from pgrag.chunks`,
      },
    ]);
    return { kept, counted, keptTotals, countedTotals };
  }

  async function expectExact(tenantId: string) {
    const { kept, counted, keptTotals, countedTotals } = await keptAndCounted(tenantId);
    expect(kept).toEqual(counted);
    expect(keptTotals[0] ?? { chunks: 0, lexemes: 0 }).toEqual(countedTotals[0]);
    return counted;
  }

  it("match a recount through inserts, content changes, embedding-only updates and deletes", async () => {
    const tenant = await createTenant(db, "keyword statistics");
    const docs = Array.from({ length: 12 }, (_, d) => ({
      id: `d${d}`,
      chunks: Array.from({ length: 5 }, (_, c) => text(d * 10 + c, 8 + c)),
    }));
    await as(tenant, [await upsertStatement(docs)]);
    const first = await expectExact(tenant);
    expect(first.length).toBeGreaterThan(20);

    // New content for some chunks, one chunk fewer for another document, one unchanged.
    docs[0].chunks[1] = "an entirely different sentence about zebras";
    docs[1].chunks.pop();
    await as(tenant, [await upsertStatement([docs[0], docs[1], docs[2]])]);
    await expectExact(tenant);
    const [zebra] = await as(tenant, [
      { text: "select chunks::int from pgrag.keyword_lexemes where lexeme = 'zebra'" },
    ]);
    expect(zebra).toEqual([{ chunks: 1 }]);

    // An update that leaves content alone changes no count.
    await as(tenant, [{ text: "update pgrag.chunks set metadata = '{\"x\": 1}'" }]);
    await expectExact(tenant);

    // Direct content updates, then deletes of chunks and of whole documents.
    await as(tenant, [
      { text: "update pgrag.chunks set content = content || ' zebra' where document_id = 'd3'" },
    ]);
    await expectExact(tenant);
    await as(tenant, [
      { text: "delete from pgrag.chunks where document_id = 'd4' and chunk_index > 1" },
      { text: 'select pgrag.delete_documents(\'["d5", "d6"]\'::json)' },
    ]);
    await expectExact(tenant);
    await as(tenant, [{ text: "delete from pgrag.documents" }]);
    const left = await expectExact(tenant);
    expect(left).toEqual([]);
  });

  it("follow a document's title into its chunks' keyword vectors and counts", async () => {
    const tenant = await createTenant(db, "keyword titles");
    const find = async (words: string) => {
      const [rows] = await as(tenant, [{
        text: "select chunk_id from pgrag.hybrid_search($1, null, 10, '{}', 'keyword') order by 1",
        params: [words],
      }]);
      return rows.map((row) => row.chunk_id);
    };
    const docs = [
      { id: "a", title: "Walruses of the Arctic", chunks: [text(1, 8), text(2, 8)] },
      { id: "b", chunks: [text(3, 8)] },
    ];
    await as(tenant, [await upsertStatement(docs)]);
    await expectExact(tenant);
    const [a0, a1] = (await as(tenant, [{
      text: "select id from pgrag.chunks where document_id = 'a' order by chunk_index",
    }]))[0].map((row) => row.id);
    expect(await find("walrus")).toEqual([a0, a1].sort());

    // A new title reaches every chunk of the document, the old one leaves them.
    docs[0].title = "Narwhals";
    await as(tenant, [await upsertStatement([docs[0]])]);
    await expectExact(tenant);
    expect(await find("walrus")).toEqual([]);
    expect(await find("narwhal")).toEqual([a0, a1].sort());

    // Without a title, only the text is indexed.
    delete (docs[0] as { title?: string }).title;
    await as(tenant, [await upsertStatement([docs[0]])]);
    await expectExact(tenant);
    expect(await find("narwhal")).toEqual([]);
  });

  it("keep another tenant's counts apart, and go with a deleted tenant", async () => {
    const one = await createTenant(db, "lexemes one");
    const two = await createTenant(db, "lexemes two");
    await as(one, [await upsertStatement([{ id: "a", chunks: ["shared words", "only one"] }])]);
    await as(two, [await upsertStatement([{ id: "a", chunks: ["shared words"] }])]);
    const [oneShared] = await as(one, [
      { text: "select chunks::int from pgrag.keyword_lexemes where lexeme = 'share'" },
    ]);
    expect(oneShared).toEqual([{ chunks: 1 }]);
    await expectExact(one);
    await expectExact(two);
    await db.transaction((tx) => tx.query("delete from pgrag.tenants where id = $1", [two]));
    const [gone] = await db.transaction((tx) =>
      tx.query("select count(*)::int as n from pgrag.keyword_lexemes where tenant_id = $1", [two])
    );
    expect(gone).toEqual({ n: 0 });
    await expectExact(one);
  });

  it("a writer of a tenant waits its turn behind a long write past the lock timeout", async () => {
    const tenant = await createTenant(db, "queued writers");
    const first = as(tenant, [
      await upsertStatement([{ id: "long", chunks: [text(1, 10)] }]),
      { text: "select pg_sleep(0.6)" },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A lock timeout far below the time the first writer holds the tenant's turn.
    const second = as(tenant, [
      { text: "select set_config('lock_timeout', '100ms', true)" },
      await upsertStatement([{ id: "queued", chunks: [text(2, 10)] }]),
    ]);
    await Promise.all([first, second]);
    const [documents] = await as(tenant, [{ text: "select id from pgrag.documents order by id" }]);
    expect(documents).toEqual([{ id: "long" }, { id: "queued" }]);
  });

  it("concurrent writers of one tenant all complete, without deadlock or a lost count", async () => {
    const tenant = await createTenant(db, "concurrent writers");
    const writers = 4;
    const rounds = 6;
    const failures: unknown[] = [];
    await Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let round = 0; round < rounds; round++) {
        // Each writer rewrites its own documents with new content, over the shared vocabulary,
        // and deletes one of them every other round.
        const docs = Array.from({ length: 4 }, (_, d) => ({
          id: `w${w}-d${d}`,
          chunks: Array.from(
            { length: 6 },
            (_, c) => text(w * 1000 + round * 100 + d * 10 + c, 12),
          ),
        }));
        try {
          const statements = [await upsertStatement(docs)];
          if (round % 2 === 1) {
            statements.push({
              text: "select pgrag.delete_documents($1::text::json)",
              params: [JSON.stringify([`w${w}-d${round % 4}`])],
            });
          }
          await as(tenant, statements);
        } catch (error) {
          failures.push(error);
        }
      }
    }));
    expect(failures.map((error) => `${(error as { code?: string }).code}: ${error}`)).toEqual([]);
    const counted = await expectExact(tenant);
    expect(counted.length).toBeGreaterThan(30);
  });
});
