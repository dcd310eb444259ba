/**
 * The benchmark's own database, `pgrag_scifact` (`pgrag_scifact_<variant>` for another
 * embedder): one tenant with the SciFact corpus, one document and one chunk per abstract,
 * written as pgrag writes them. Loading takes a while (embedding, writing, HNSW build), so the
 * database is kept between runs (harness/reusable-database.ts) while it holds this corpus
 * embedded with this embedding version, and rebuilt on --reload.
 */
import type postgres from "postgres";
import { vectorLiteral } from "../../shared/vector-text.ts";
import type { Run } from "../harness/benchmark.ts";
import { prepareDatabase } from "../harness/reusable-database.ts";
import type { SciFact } from "../harness/scifact-files.ts";
import { createTenant } from "../harness/tenants.ts";
import { buildVectorIndex, dropVectorIndex } from "../harness/vector-index.ts";
import { type TenantDocument, writeDocuments } from "../harness/write-documents.ts";
import type { SciFactEmbedder } from "./embedders.ts";

export interface SciFactDatabase {
  readonly name: string;
  readonly url: string;
  readonly tenantId: string;
  /** Seconds spent loading in this run; 0 when the database was reused. */
  readonly loadSeconds: number;
}

interface Marker {
  readonly tenantId: string;
  readonly loadSeconds: number;
}

export async function prepareSciFactDatabase(
  run: Run,
  data: SciFact,
  embedder: SciFactEmbedder,
  options: { readonly reload: boolean },
): Promise<SciFactDatabase> {
  const { name, url, marker, reused } = await prepareDatabase<Marker>(run, {
    name: embedder.variant ? `pgrag_scifact_${embedder.variant}` : "pgrag_scifact",
    embeddingDim: embedder.dimension,
    // `layout` 2: the title is the document's, apart from the chunk's text.
    fingerprint: JSON.stringify({
      embedding: embedder.model,
      corpus: data.corpusSha256,
      layout: 2,
    }),
    reuse: !options.reload,
    contents: `${data.corpus.length} documents`,
    load: (sql) => load(run, sql, data, embedder),
    async check(sql, { tenantId }) {
      const [{ chunks }] = await sql<{ chunks: number }[]>`
        select count(*)::integer as chunks from pgrag.chunks
         where tenant_id = ${tenantId} and embedding is not null`;
      return chunks === data.corpus.length
        ? undefined
        : `${chunks} embedded chunks, not ${data.corpus.length}`;
    },
  });
  return { name, url, tenantId: marker.tenantId, loadSeconds: reused ? 0 : marker.loadSeconds };
}

/**
 * Embeds the corpus, writes it into a fresh tenant with the vector index dropped, builds the
 * index over all of it at once (much faster than inserting into the graph row by row) and
 * vacuums. The embedding time counts in the load time, as it would in an ingest.
 */
async function load(
  run: Run,
  sql: postgres.Sql,
  data: SciFact,
  embedder: SciFactEmbedder,
): Promise<Marker> {
  const started = performance.now();
  const vectors = await embedder.embed(
    data.corpus.map((doc) => embeddingText(doc.title, doc.text)),
  );
  run.progress(
    `embedded ${data.corpus.length} abstracts with ${embedder.choice} in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const tenantId = await createTenant(sql, { name: "SciFact", slug: "scifact" });
  const index = await dropVectorIndex(sql);
  await writeDocuments(sql, documents(tenantId, data, vectors));
  await buildVectorIndex(sql, index);
  await sql`vacuum analyze pgrag.documents`;
  await sql`vacuum analyze pgrag.chunks`;
  return { tenantId, loadSeconds: (performance.now() - started) / 1000 };
}

/**
 * Each abstract as a document with one chunk and its vector; the vectors' text is made as each
 * batch is written, so only one batch of it is in memory.
 */
function* documents(
  tenantId: string,
  data: SciFact,
  vectors: readonly Float32Array[],
): Generator<TenantDocument> {
  for (const [i, doc] of data.corpus.entries()) {
    // The title is stored apart, as a client would send it: pgrag adds it to the chunk's
    // keyword vector (BEIR's BM25 scores title and text together).
    yield {
      tenantId,
      document: {
        id: doc.id,
        title: doc.title,
        content: doc.text,
        chunks: [{
          id: doc.id,
          content: doc.text,
          chunk_index: 0,
          embedding: vectorLiteral(vectors[i]),
        }],
      },
    };
  }
}

/**
 * The newest migration and the search logic applied, each with the start of its checksum: the
 * search function (one current definition in sql/logic/) changes while it is tuned, so every
 * result names the version it measured.
 */
export async function schemaVersion(sql: postgres.Sql): Promise<string> {
  const [row] = await sql<{ label: string }[]>`
    select concat_ws(', ',
             (select version || '_' || name || ' (sha256 ' || left(checksum, 12) || ')'
                from pgrag.schema_migrations order by version desc limit 1),
             (select string_agg(name || ' (sha256 ' || left(checksum, 12) || ')', ', '
                                order by name)
                from pgrag.schema_logic where name like '%search%')) as label`;
  return row.label;
}

/**
 * What each abstract is embedded from, title and text as the embedding models' own evaluations
 * give them; the stand-in's idf is learnt from the same text.
 */
export function embeddingText(title: string, text: string): string {
  return `${title}. ${text}`;
}
