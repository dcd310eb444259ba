import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Row, Statement } from "../../shared/db/database.ts";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";

const vectorText = (i: number) => `[${Math.cos(i)},${Math.sin(i)},${(i % 5) / 5 + 0.1}]`;

/**
 * `count` chunks in one document of `tenantId`, the first `tagged` with metadata {tag: true}, with
 * vectors from `offset` on (pgvector's HNSW keeps equal vectors in one entry, so tenants get
 * distinct ones lest one entry answer for both).
 */
const loadChunks = (
  tenantId: string,
  count: number,
  tagged: number,
  offset: number,
): Statement[] => [
  {
    text: "insert into pgrag.documents (tenant_id, id, content) values ($1, 'doc', 'text')",
    params: [tenantId],
  },
  {
    text: `insert into pgrag.chunks (tenant_id, id, document_id, chunk_index, content, metadata,
                                     embedding)
           select $1, 'c' || i, 'doc', i, 'chunk number ' || i || ' of many words',
                  case when i < $3 then '{"tag": true}'::jsonb else '{}' end,
                  ('[' || cos(i + $4) || ',' || sin(i + $4) || ',' || ((i % 5) / 5.0 + 0.1) || ']')::vector
             from generate_series(0, $2 - 1) i`,
    params: [tenantId, count, tagged, offset],
  },
];

describe("search in SQL", () => {
  let test: TestDatabase;
  let db: Database;
  let big: string;
  let small: string;

  beforeAll(async () => {
    test = await openTestDatabase();
    db = test.db;
    big = await createTenant(db, "big");
    small = await createTenant(db, "small");
    await db.run({ role: "api", tenantId: big }, loadChunks(big, 400, 4, 0));
    await db.run({ role: "api", tenantId: small }, loadChunks(small, 4, 0, 1000));
    await db.transaction((tx) => tx.query("analyze pgrag.chunks"));
  });
  afterAll(() => test.close());

  const as = (tenantId: string, statements: Statement[]): Promise<Row[][]> =>
    db.run({ role: "api", tenantId }, statements);
  /** hybrid_search's chunk ids, with the exact-scan limit and planner settings given first. */
  const vectorSearch = async (
    tenantId: string,
    options: { exactLimit: number; k: number; filter?: unknown; efSearch?: number },
  ) => {
    const rows = await as(tenantId, [
      {
        text: `select set_config('pgrag.exact_search_limit', $1, true),
                      set_config('enable_seqscan', 'off', true),
                      set_config('enable_sort', 'off', true)`,
        params: [String(options.exactLimit)],
      },
      {
        text: `select chunk_id from pgrag.hybrid_search(null, $1::text::vector, $2,
                 $3::text::jsonb, 'vector', ef_search => $4)`,
        params: [
          vectorText(1.5),
          options.k,
          JSON.stringify(options.filter ?? {}),
          options.efSearch ?? 40,
        ],
      },
    ]);
    return rows[1].map((row) => row.chunk_id as string);
  };

  it("a bare HNSW scan under a tenant predicate returns too few rows; hybrid_search does not", async () => {
    const [, bare] = await as(small, [
      {
        text:
          `select set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true),
                      set_config('hnsw.ef_search', '1', true)`,
      },
      {
        text: `select id from pgrag.chunks where tenant_id = $1
                order by embedding <=> $2::text::vector limit 3`,
        params: [small, vectorText(1.5)],
      },
    ]);
    expect(bare.length).toBeLessThan(3);

    const exact = await vectorSearch(small, { exactLimit: 10_000, k: 3 });
    expect(exact).toHaveLength(3);
    for (const efSearch of [1, 40]) {
      expect(await vectorSearch(small, { exactLimit: 0, k: 3, efSearch })).toEqual(exact);
    }
    expect(await vectorSearch(small, { exactLimit: 0, k: 10 })).toHaveLength(4);
  });

  it("the index walk and the exact scan agree under a 1% filter of a larger tenant", async () => {
    const filter = { metadata: { tag: true } };
    const exact = await vectorSearch(big, { exactLimit: 10_000, k: 4, filter });
    expect(exact.sort()).toEqual(["c0", "c1", "c2", "c3"]);
    const walked = await vectorSearch(big, { exactLimit: 0, k: 4, filter, efSearch: 1 });
    expect(walked.sort()).toEqual(exact);
    const unfiltered = await vectorSearch(big, { exactLimit: 0, k: 50 });
    expect(unfiltered).toHaveLength(50);
    expect(new Set(unfiltered).size).toBe(50);
  });

  it("keeps the keyword statistics equal to a recount through inserts, updates and deletes", async () => {
    const recount = async (tenantId: string) => {
      const [, kept, counted] = await as(tenantId, [
        {
          text: `update pgrag.chunks set content = content || ' extra words here'
                  where id in ('c1', 'c2')`,
        },
        { text: "select chunks::int, lexemes::int from pgrag.keyword_statistics" },
        {
          text:
            `select count(*)::int as chunks, coalesce(sum(length(content_tsv)), 0)::int as lexemes
                   from pgrag.chunks`,
        },
      ]);
      return { kept, counted };
    };
    const afterUpdate = await recount(big);
    expect(afterUpdate.kept).toEqual(afterUpdate.counted);
    await as(big, [{ text: "delete from pgrag.chunks where chunk_index >= 390" }]);
    const afterDelete = await recount(big);
    expect(afterDelete.kept).toEqual(afterDelete.counted);
    expect(afterDelete.kept[0].chunks).toBe(390);
    const [smallStatistics] = await as(small, [
      { text: "select tenant_id, chunks::int from pgrag.keyword_statistics" },
    ]);
    expect(smallStatistics).toEqual([{ tenant_id: small, chunks: 4 }]);
  });

  it("deleting a tenant takes its chunks and keyword statistics with it", async () => {
    const doomed = await createTenant(db, "doomed");
    await as(doomed, loadChunks(doomed, 3, 0, 2000));
    // The chunks go by cascade after the tenant row: their statistics must not be re-added.
    await db.transaction((tx) => tx.query("delete from pgrag.tenants where id = $1", [doomed]));
    const [left] = await db.transaction((tx) =>
      tx.query(
        `select (select count(*) from pgrag.chunks where tenant_id = $1)::int as chunks,
                (select count(*) from pgrag.keyword_statistics where tenant_id = $1)::int
                  as statistics`,
        [doomed],
      )
    );
    expect(left).toEqual({ chunks: 0, statistics: 0 });
  });

  it("chooses the exact scan below sqrt(2 × max(ef_search, pool) × indexed rows), the walk above", async () => {
    // One transaction: the catalog's row estimate cannot change under the comparison.
    const [[estimated], , [overridden]] = await as(big, [
      {
        text: `select pgrag.exact_scan_limit('pgrag.chunks', 10, 40)::int as rows,
                      pgrag.exact_scan_limit('pgrag.chunks', 400, 40)::int as wider,
                      greatest((select reltuples from pg_class
                                 where oid = 'pgrag.chunks'::regclass), 1)::float8 as indexed`,
      },
      { text: "select set_config('pgrag.exact_search_limit', '123', true)" },
      { text: "select pgrag.exact_scan_limit('pgrag.chunks', 10, 40)::int as rows" },
    ]);
    const indexed = estimated.indexed as number;
    expect(estimated.rows).toBe(Math.ceil(Math.sqrt(2 * 40 * indexed)));
    // A pool above ef_search raises it; the setting replaces the estimate.
    expect(estimated.wider).toBe(Math.ceil(Math.sqrt(2 * 400 * indexed)));
    expect(overridden.rows).toBe(123);
  });

  it("finds the keyword probe's chunks through chunks_keywords_idx, with the tenant's lexeme", async () => {
    // The probe's keyword condition as keyword_arm writes it: the planner must see through
    // indexed_keywords to the index's expression. Without the tenant_id condition keyword_arm
    // adds (at this size the tenant's btree would win) and with sequential scans off, the GIN
    // index is the only way left, if the expressions match.
    const plan = await db.transaction(async (tx) => {
      await tx.query("set local enable_seqscan = off");
      const rows = await tx.query(
        `explain select c.id from pgrag.chunks c
          where pgrag.indexed_keywords(c.tenant_id, c.content_tsv)
                @@ (pgrag.tenant_lexeme_query($1) && pgrag.any_lexeme(array['chunk', 'word']))`,
        [small],
      );
      return rows.map((row) => String(row["QUERY PLAN"])).join("\n");
    });
    expect(plan).toContain("chunks_keywords_idx");
    // The lexeme is the index's alone: no chunk's keyword vector holds it.
    const [[held]] = await db.run({ role: "api", tenantId: small }, [{
      text: "select count(*)::int as n from pgrag.chunks c, unnest(c.content_tsv) l " +
        "where l.lexeme like 'tenant %'",
    }]);
    expect(held.n).toBe(0);
  });

  it("cosine_similarity and euclidean_distance", async () => {
    const [[row]] = await as(small, [{
      text: `select pgrag.cosine_similarity('[1,0,0]'::vector, '[0,1,0]') as orthogonal,
                    pgrag.cosine_similarity('[1,2,3]'::vector, '[2,4,6]') as parallel,
                    pgrag.cosine_similarity('[1,0,0]'::vector, '[-1,0,0]') as opposite,
                    pgrag.euclidean_distance('[0,0,0]'::vector, '[3,4,0]') as distance,
                    pgrag.cosine_similarity('[1,0]'::halfvec, '[1,1]'::halfvec) as half`,
    }]);
    expect(row.orthogonal).toBeCloseTo(0, 12);
    expect(row.parallel).toBeCloseTo(1, 6);
    expect(row.opposite).toBeCloseTo(-1, 12);
    expect(row.distance).toBeCloseTo(5, 12);
    expect(row.half).toBeCloseTo(Math.SQRT1_2, 3);
  });
});
