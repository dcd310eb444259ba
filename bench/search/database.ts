/**
 * The search benchmark's database (`pgrag_bench_search`, or `pgrag_bench_search_quick` for
 * --quick, so a smoke run never throws away the full data set): the generated tenants,
 * documents and chunks written as pgrag writes them, and the same rows in the seed's schema.
 * Loading 100,000 chunks and building the indexes takes minutes, so the database is kept
 * between runs (harness/reusable-database.ts) and rebuilt on --rebuild or another data set.
 */
import type postgres from "postgres";
import type { Run } from "../harness/benchmark.ts";
import { prepareDatabase } from "../harness/reusable-database.ts";
import { createTenants } from "../harness/tenants.ts";
import { buildVectorIndex, dropVectorIndex } from "../harness/vector-index.ts";
import { type TenantDocument, writeDocuments } from "../harness/write-documents.ts";
import { vectorLiteral } from "../../shared/vector-text.ts";
import {
  DATA_VERSION,
  type GeneratedDocument,
  generateDocuments,
  type SearchDataSet,
} from "./data.ts";
import { createSeed003 } from "./seed003.ts";

export interface LoadTimes {
  /** Generating and writing the rows through pgrag.upsert_documents, the HNSW index absent. */
  readonly writeSeconds: number;
  readonly hnswSeconds: number;
  /** Filling the seed's table and building its indexes. */
  readonly seedSeconds: number;
  readonly vacuumSeconds: number;
}

export interface SearchDatabase {
  readonly name: string;
  readonly url: string;
  /** How long loading took when the database was built (maybe in an earlier run). */
  readonly load: LoadTimes;
  readonly reused: boolean;
}

/** The database holding `data`, whose texts come from the corpus of that SHA-256. */
export async function prepareSearchDatabase(
  run: Run,
  data: SearchDataSet,
  corpusSha256: string,
  options: { readonly quick: boolean; readonly rebuild: boolean },
): Promise<SearchDatabase> {
  const prepared = await prepareDatabase<LoadTimes>(run, {
    name: options.quick ? "pgrag_bench_search_quick" : "pgrag_bench_search",
    embeddingDim: data.shape.dimension,
    fingerprint: JSON.stringify({ version: DATA_VERSION, shape: data.shape, corpus: corpusSha256 }),
    reuse: !options.rebuild,
    contents: `${data.shape.chunks} chunks in ${data.tenants.length} tenants`,
    load: (sql) => loadDataSet(sql, data, run.progress),
    async check(sql) {
      const [counts] = await sql<{ pgrag: number; seed: number }[]>`
        select (select count(*)::integer from pgrag.chunks) as pgrag,
               (select count(*)::integer from seed003.documents) as seed`;
      return counts.pgrag === data.shape.chunks && counts.seed === data.shape.chunks
        ? undefined
        : `${counts.pgrag} chunks and ${counts.seed} seed rows`;
    },
  });
  return { name: prepared.name, url: prepared.url, load: prepared.marker, reused: prepared.reused };
}

/**
 * Tenants, then documents and chunks through pgrag.upsert_documents with the HNSW index dropped,
 * then one bulk index build (far faster than growing the graph row by row), the seed's copy of
 * the rows, and VACUUM ANALYZE so the planner knows the tenants' sizes.
 */
async function loadDataSet(
  sql: postgres.Sql,
  data: SearchDataSet,
  progress: (message: string) => void,
): Promise<LoadTimes> {
  const writeStarted = performance.now();
  await createTenants(
    sql,
    data.tenants.map((t) => ({ id: t.id, name: `Tenant ${t.number}`, slug: t.slug })),
  );
  const index = await dropVectorIndex(sql);
  await writeDocuments(sql, inputs(generateDocuments(data), progress));
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  progress(`written in ${writeSeconds.toFixed(0)} s; building the HNSW index`);
  const hnswSeconds = await buildVectorIndex(sql, index);
  progress(`HNSW index built in ${hnswSeconds.toFixed(0)} s; filling the seed's schema`);
  const seedSeconds = await createSeed003(sql);
  progress(`seed schema built in ${seedSeconds.toFixed(0)} s; vacuuming`);
  const vacuumStarted = performance.now();
  await sql`vacuum analyze pgrag.tenants, pgrag.documents, pgrag.chunks, seed003.documents`;
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  return { writeSeconds, hnswSeconds, seedSeconds, vacuumSeconds };
}

/** The generated documents as `POST /documents` takes them, with progress every 20,000 chunks. */
function* inputs(
  documents: Iterable<GeneratedDocument>,
  progress: (message: string) => void,
): Generator<TenantDocument> {
  let chunks = 0;
  for (const d of documents) {
    yield {
      tenantId: d.tenantId,
      document: {
        id: d.id,
        title: d.title,
        content: d.content,
        chunks: d.chunks.map((chunk) => ({
          id: chunk.id,
          content: chunk.content,
          chunk_index: chunk.index,
          tokens: chunk.tokens,
          metadata: { ...chunk.metadata },
          embedding: vectorLiteral(chunk.embedding),
        })),
      },
    };
    const before = chunks;
    chunks += d.chunks.length;
    if (Math.floor(chunks / 20_000) > Math.floor(before / 20_000)) {
      progress(`  ${chunks} chunks written`);
    }
  }
}
