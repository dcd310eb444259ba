/**
 * `deno task bench ingest`: how fast pgrag ingests chunks compared with the ways LightRAG's
 * PostgreSQL storage has written them and with COPY, all on the same tables in one run. See
 * INGEST_HELP for the paths, cells and flags; results go to stdout and bench/results/.
 */
import type postgres from "postgres";
import {
  benchServerUrl,
  connect,
  connectToServer,
  createTemplateDatabase,
  dropRunDatabase,
  freshRunDatabase,
  type TemplateDatabase,
  withDatabase,
} from "../harness/databases.ts";
import { SIMULATED_RTT_MS } from "./cells.ts";
import {
  CHUNKS_PER_DOCUMENT,
  chunksFor,
  INGEST_HELP,
  type IngestOptions,
  parseIngestOptions,
} from "./options.ts";
import type { IngestPath } from "./path.ts";
import { renderIngestReport } from "./report.ts";
import { startLatencyProxy } from "../harness/latency-proxy.ts";
import { machineFacts } from "../harness/machine-facts.ts";
import { measurePath, type PathResult } from "./measure-path.ts";
import { copyPath } from "./paths/copy.ts";
import { httpApiPath, httpApiTwoInFlightPath } from "./paths/http-api.ts";
import { perRowInsertPath } from "./paths/per-row-insert.ts";
import { pipelinedBatchesPath } from "./paths/pipelined-batches.ts";
import { preload } from "./preload.ts";
import { writeResults } from "../harness/results-file.ts";
import { measureRoundTripMs } from "../harness/round-trip.ts";
import { type SyntheticDocument, syntheticDocuments } from "./synthetic-chunks.ts";
import { setVectorIndex } from "../harness/vector-index.ts";

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

/** Progress goes to stderr, so stdout carries only the Markdown report. */
function progress(message: string): void {
  console.error(`[ingest] ${message}`);
}

export async function run(args: string[]): Promise<void> {
  const options = parseIngestOptions(args);
  if (options.help) {
    console.log(INGEST_HELP);
    return;
  }
  const paths = ALL_PATHS.filter((path) => options.paths.includes(path.id));
  const serverUrl = benchServerUrl();
  const target = new URL(serverUrl);
  const proxy = startLatencyProxy(
    { hostname: target.hostname, port: Number(target.port || 5432) },
    { oneWayMs: SIMULATED_RTT_MS / 2 },
  );
  const server = connectToServer(serverUrl);
  try {
    const largest = Math.max(options.rows, options.indexRows);
    progress(`generating ${largest} chunks`);
    const documents = [...syntheticDocuments({
      documents: largest / CHUNKS_PER_DOCUMENT,
      chunksPerDocument: CHUNKS_PER_DOCUMENT,
      dimension: EMBEDDING_DIM,
      seed: MEASURED_SEED,
    })];

    progress(`creating the template database with ${options.preload} preloaded chunks`);
    const started = performance.now();
    const template = await createTemplateDatabase(server, serverUrl, EMBEDDING_DIM);
    const templateSql = connect(template.url);
    const facts = await machineFacts(templateSql).finally(() => templateSql.end({ timeout: 5 }));
    const indexBuildSeconds = await preloadTemplate(template, options);
    const setupSeconds = (performance.now() - started) / 1000;

    const serverDatabase = withDatabase(serverUrl, "postgres");
    const loopbackRttMs = await measureRoundTripMs(serverDatabase);
    const proxiedRttMs = await measureRoundTripMs(throughProxy(serverDatabase, proxy.port));
    progress(
      `round trip: ${loopbackRttMs.toFixed(2)} ms direct, ${proxiedRttMs.toFixed(2)} ms proxied`,
    );

    const results: PathResult[] = [];
    for (const cell of options.cells) {
      for (const path of paths) {
        const count = chunksFor(options, cell, path.id);
        progress(`${cell.label}: path ${path.label} (${count} chunks)`);
        const runUrl = await freshRunDatabase(server, serverUrl);
        const sql = connect(runUrl);
        try {
          if (!cell.vectorIndex) await setVectorIndex(sql, false);
          const result = await measurePath(path, cell, firstChunks(documents, count), {
            sql,
            tenantId: template.tenantId,
            apiKey: template.apiKey,
            embeddingDim: EMBEDDING_DIM,
            writerUrl: cell.rttMs > 0 ? throughProxy(runUrl, proxy.port) : runUrl,
          });
          progress(
            `  ${Math.round(result.rowsPerSecond)} rows/s in ${result.seconds.toFixed(2)} s`,
          );
          results.push(result);
        } finally {
          await sql.end({ timeout: 5 });
        }
      }
    }
    await dropRunDatabase(server);

    const report = renderIngestReport({
      facts,
      options,
      paths,
      results,
      loopbackRttMs,
      proxiedRttMs,
      setupSeconds,
      indexBuildSeconds,
    });
    const file = await writeResults("ingest", options.quick, report);
    console.log(await Deno.readTextFile(file));
    progress(`written to ${file.pathname}`);
  } finally {
    await server.end({ timeout: 5 });
    await proxy.close();
  }
}

/**
 * Loads the preload into the template without the vector index, then builds the index and
 * vacuums, so every copy starts with a settled table. Returns the index build's seconds. Closes
 * its connection: a database cannot be copied while anyone is connected to it.
 */
async function preloadTemplate(
  template: TemplateDatabase,
  options: IngestOptions,
): Promise<number> {
  const sql: postgres.Sql = connect(template.url);
  try {
    await setVectorIndex(sql, false);
    await preload(sql, template.tenantId, {
      chunks: options.preload,
      chunksPerDocument: CHUNKS_PER_DOCUMENT,
      dimension: EMBEDDING_DIM,
      seed: PRELOAD_SEED,
    });
    const seconds = await setVectorIndex(sql, true);
    progress(`vector index built in ${seconds.toFixed(1)} s`);
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

/** `url` with its host and port replaced by the latency proxy's. */
function throughProxy(url: string, port: number): string {
  const through = new URL(url);
  through.hostname = "127.0.0.1";
  through.port = String(port);
  return through.toString();
}
