/**
 * `deno task bench ingest`: how fast pgrag ingests chunks compared with the ways LightRAG's
 * PostgreSQL storage has written them and with COPY, all on the same tables in one run. See
 * INGEST_ABOUT for the paths and cells; the report is bench/results/ingest.md.
 */
import { defineBenchmark, type Run } from "../harness/benchmark.ts";
import { connect, withDatabase } from "../harness/databases.ts";
import { startLatencyProxy, throughProxy } from "../harness/latency-proxy.ts";
import { machineFacts } from "../harness/machine-facts.ts";
import { measureRoundTripMs } from "../harness/round-trip.ts";
import { buildVectorIndex, dropVectorIndex } from "../harness/vector-index.ts";
import { SIMULATED_RTT_MS } from "./cells.ts";
import { measurePath, type PathResult } from "./measure-path.ts";
import { CHUNKS_PER_DOCUMENT, chunksFor, ingestCli, type IngestOptions } from "./options.ts";
import type { IngestPath } from "./paths/path.ts";
import { copyPath } from "./paths/copy.ts";
import { httpApiPath, httpApiTwoInFlightPath } from "./paths/http-api.ts";
import { perRowInsertPath } from "./paths/per-row-insert.ts";
import { pipelinedBatchesPath } from "./paths/pipelined-batches.ts";
import { preload } from "./preload.ts";
import { renderIngestReport } from "./report.ts";
import { type SyntheticDocument, syntheticDocuments } from "./synthetic-chunks.ts";
import {
  createTemplateDatabase,
  dropRunDatabase,
  freshRunDatabase,
  type TemplateDatabase,
} from "./template.ts";

const EMBEDDING_DIM = 1536;
/** Different seeds, so the measured chunks are not copies of preloaded ones. */
const MEASURED_SEED = 20261120;
const PRELOAD_SEED = 42;

const ALL_PATHS: readonly IngestPath[] = [
  httpApiPath,
  httpApiTwoInFlightPath,
  perRowInsertPath,
  pipelinedBatchesPath,
  copyPath,
];

export const ingest = defineBenchmark<IngestOptions>({
  name: "ingest",
  ...ingestCli,
  async measure(options, run) {
    const paths = ALL_PATHS.filter((path) => options.paths.includes(path.id));
    const target = new URL(run.serverUrl);
    const proxy = startLatencyProxy(
      { hostname: target.hostname, port: Number(target.port || 5432) },
      { oneWayMs: SIMULATED_RTT_MS / 2 },
    );
    run.closeAtEnd(() => proxy.close());

    const largest = Math.max(options.rows, options.indexRows);
    run.progress(`generating ${largest} chunks`);
    const documents = [...syntheticDocuments({
      documents: largest / CHUNKS_PER_DOCUMENT,
      chunksPerDocument: CHUNKS_PER_DOCUMENT,
      dimension: EMBEDDING_DIM,
      seed: MEASURED_SEED,
    })];

    run.progress(`creating the template database with ${options.preload} preloaded chunks`);
    const started = performance.now();
    const template = await createTemplateDatabase(run, EMBEDDING_DIM);
    const templateSql = connect(template.url);
    const facts = await machineFacts(templateSql).finally(() => templateSql.end({ timeout: 5 }));
    const indexBuildSeconds = await preloadTemplate(template, options, run);
    const setupSeconds = (performance.now() - started) / 1000;

    const serverDatabase = withDatabase(run.serverUrl, "postgres");
    const loopbackRttMs = await measureRoundTripMs(serverDatabase);
    const proxiedRttMs = await measureRoundTripMs(throughProxy(serverDatabase, proxy.port));
    run.progress(
      `round trip: ${loopbackRttMs.toFixed(2)} ms direct, ${proxiedRttMs.toFixed(2)} ms proxied`,
    );

    const results: PathResult[] = [];
    for (const cell of options.cells) {
      for (const path of paths) {
        const count = chunksFor(options, cell, path.id);
        run.progress(`${cell.label}: path ${path.label} (${count} chunks)`);
        const runUrl = await freshRunDatabase(run);
        const sql = connect(runUrl);
        try {
          if (!cell.vectorIndex) await dropVectorIndex(sql);
          const result = await measurePath(path, cell, firstChunks(documents, count), {
            sql,
            tenantId: template.tenantId,
            apiKey: template.apiKey,
            embeddingDim: EMBEDDING_DIM,
            writerUrl: cell.rttMs > 0 ? throughProxy(runUrl, proxy.port) : runUrl,
          });
          run.progress(
            `  ${Math.round(result.rowsPerSecond)} rows/s in ${result.seconds.toFixed(2)} s`,
          );
          results.push(result);
        } finally {
          await sql.end({ timeout: 5 });
        }
      }
    }
    await dropRunDatabase(run);

    const markdown = renderIngestReport({
      facts,
      options,
      paths,
      results,
      loopbackRttMs,
      proxiedRttMs,
      setupSeconds,
      indexBuildSeconds,
    });
    return { markdown, partial: options.quick };
  },
});

/**
 * Loads the preload into the template without the vector index, then builds the index and
 * vacuums, so every copy starts with a settled table. Returns the index build's seconds. Closes
 * its connection: a database cannot be copied while anyone is connected to it.
 */
async function preloadTemplate(
  template: TemplateDatabase,
  options: IngestOptions,
  run: Run,
): Promise<number> {
  const sql = connect(template.url);
  try {
    const index = await dropVectorIndex(sql);
    await preload(sql, template.tenantId, {
      chunks: options.preload,
      chunksPerDocument: CHUNKS_PER_DOCUMENT,
      dimension: EMBEDDING_DIM,
      seed: PRELOAD_SEED,
    });
    const seconds = await buildVectorIndex(sql, index);
    run.progress(`vector index built in ${seconds.toFixed(1)} s`);
    await sql`vacuum analyze pgrag.chunks, pgrag.documents`;
    return seconds;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The documents holding the first `chunks` chunks (whole documents). */
function firstChunks(documents: readonly SyntheticDocument[], chunks: number) {
  return documents.slice(0, chunks / CHUNKS_PER_DOCUMENT);
}
