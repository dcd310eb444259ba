import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentBatch, embeddingsApart } from "../../shared/batches/documents-and-chunks.ts";
import type { Database, Row, Statement } from "../../shared/db/database.ts";
import { DEFAULT_CHUNKING } from "../../shared/text/chunking.ts";
import { REFERENCE_BM25_SQL } from "../../bench/harness/reference-bm25.ts";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";

/** Deterministic draws, so a failure names a query that fails again. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

// Made-up words of consonant-vowel syllables: no stop words, and each is its own lexeme.
const SYLLABLES = ["ba", "ko", "ti", "ru", "me", "sa", "no", "pi", "da", "lu", "fe", "go"];
const VOCABULARY = Array.from({ length: 600 }, (_, i) => {
  const s = (k: number) => SYLLABLES[Math.floor(i / 12 ** k) % 12];
  return `${s(0)}${s(1)}${s(2)}k`;
});

/** Zipf-like: the first words are very common, most are rare. */
function word(next: () => number): string {
  return VOCABULARY[Math.floor(VOCABULARY.length * next() ** 3.5)];
}

const CHUNKS = 2400;

function corpus(): {
  id: string;
  chunks: { id: string; content: string; metadata: Record<string, number> }[];
}[] {
  const next = random(20261203);
  const documents = [];
  const written: string[] = [];
  for (let d = 0; d < CHUNKS / 8; d++) {
    const chunks = Array.from({ length: 8 }, (_, c) => {
      const n = d * 8 + c;
      // Every 20th chunk repeats an earlier one word for word: equal scores, ranked by id.
      const content = n % 20 === 19
        ? written[Math.floor(next() * written.length)]
        : Array.from({ length: 4 + Math.floor(next() ** 2 * 90) }, () => word(next)).join(" ");
      written.push(content);
      // Ids of their own: a derived id (from the content) would make repeated chunks one row.
      return { id: `c${String(n).padStart(5, "0")}`, content, metadata: { bucket: n % 10 } };
    });
    documents.push({ id: `doc${String(d).padStart(4, "0")}`, chunks });
  }
  return documents;
}

function queries(): { text: string; filter: object | null }[] {
  const next = random(7);
  const make = (words: number) => Array.from({ length: words }, () => word(next)).join(" ");
  const list: { text: string; filter: object | null }[] = [];
  for (const words of [1, 1, 1, 2, 3, 3, 3, 5, 8, 12, 40, 40]) {
    list.push({ text: make(words), filter: null });
    list.push({ text: make(words), filter: { bucket: Math.floor(next() * 10) } });
  }
  // The commonest words alone and together, a rare one, words no chunk holds, and a mix.
  list.push({ text: VOCABULARY.slice(0, 3).join(" "), filter: null });
  list.push({ text: VOCABULARY[0], filter: null });
  list.push({ text: VOCABULARY[599], filter: null });
  list.push({ text: "zuzuzuq quixotry", filter: null });
  list.push({ text: `zuzuzuq ${VOCABULARY[1]} ${VOCABULARY[400]}`, filter: { bucket: 3 } });
  return list;
}

/**
 * The keyword arm prunes (it scores only chunks that can still enter the top k); these tests
 * hold its ranking to the unpruned reference BM25 on a corpus with skewed term frequencies.
 */
describe("keyword arm ranking", () => {
  let test: TestDatabase;
  let db: Database;
  let tenant: string;

  beforeAll(async () => {
    test = await openTestDatabase();
    db = test.db;
    tenant = await createTenant(db, "keyword ranking");
    // Another tenant's chunks share the index and must not count.
    const other = await createTenant(db, "keyword ranking, other tenant");
    const documents = corpus();
    for (const [target, slice] of [[tenant, documents], [other, documents.slice(0, 60)]] as const) {
      for (let i = 0; i < slice.length; i += 60) {
        const batch = await documentBatch(
          slice.slice(i, i + 60).map((document) => ({
            id: document.id,
            content: document.chunks.map((chunk) => chunk.content).join(" "),
            chunks: document.chunks,
          })),
          DEFAULT_CHUNKING,
        );
        await db.run({ role: "api", tenantId: target }, [{
          text: "select pgrag.upsert_documents($1::text::json, $2::text::json, $3::text)",
          params: [JSON.stringify(batch.documents), ...embeddingsApart(batch.chunks)],
        }]);
      }
    }
    await db.transaction((tx) => tx.query("analyze pgrag.chunks"));
  }, 300_000);
  afterAll(() => test.close());

  const as = (statements: Statement[]): Promise<Row[][]> =>
    db.run({ role: "api", tenantId: tenant }, statements);

  for (const k of [1, 10, 40]) {
    it(`returns the reference's top ${k} for every query`, async () => {
      const mismatches: string[] = [];
      for (const query of queries()) {
        const filter = query.filter === null ? null : JSON.stringify(query.filter);
        const [pruned, reference] = await as([
          {
            text: `select chunk_id as id, score from pgrag.hybrid_search($1, null, $2,
                     $3::text::jsonb, 'keyword')`,
            params: [query.text, k, JSON.stringify(query.filter ? { metadata: query.filter } : {})],
          },
          { text: REFERENCE_BM25_SQL, params: [query.text, filter, k] },
        ]);
        const ids = (rows: Row[]) => rows.map((row) => row.id);
        if (JSON.stringify(ids(pruned)) !== JSON.stringify(ids(reference))) {
          mismatches.push(
            `${query.text.slice(0, 60)} ${filter ?? ""}: ` +
              `${JSON.stringify(ids(pruned))} ≠ ${JSON.stringify(ids(reference))}`,
          );
          continue;
        }
        pruned.forEach((row, i) =>
          expect(row.score as number).toBeCloseTo(reference[i].score as number, 9)
        );
      }
      expect(mismatches).toEqual([]);
    }, 120_000);
  }

  it("ranks a query of more than 64 lexemes as its 64 rarest alone", async () => {
    // Every word of the vocabulary: the rarest 64 by document frequency (ties by lexeme), as
    // the arm orders them, make the reference's query.
    const everyWord = VOCABULARY.join(" ");
    const [rarest] = await as([{
      text: `select string_agg(lexeme, ' ' order by chunks, lexeme) as text
               from (select lexeme, chunks from pgrag.keyword_lexemes
                      where lexeme in (select json_array_elements_text($1::text::json))
                        and chunks > 0
                      order by chunks, lexeme limit 64) r`,
      params: [JSON.stringify(VOCABULARY)],
    }]);
    const [long, reference] = await as([
      {
        text:
          "select chunk_id as id, score from pgrag.hybrid_search($1, null, 10, '{}', 'keyword')",
        params: [everyWord],
      },
      { text: REFERENCE_BM25_SQL, params: [rarest[0].text, null, 10] },
    ]);
    expect(long).toHaveLength(10);
    expect(long.map((row) => row.id)).toEqual(reference.map((row) => row.id));
  });

  it("has ties in the corpus and answers a query of words no chunk holds with nothing", async () => {
    const [ties, none] = await as([
      {
        text: `select count(*)::int as n from (select content from pgrag.chunks
                group by content having count(*) > 1) t`,
      },
      { text: "select * from pgrag.hybrid_search('zuzuzuq quixotry', null, 10, '{}', 'keyword')" },
    ]);
    expect(ties[0].n).toBeGreaterThan(10);
    expect(none).toEqual([]);
  });
});
