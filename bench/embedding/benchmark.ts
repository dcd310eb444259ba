/**
 * `deno task bench embedding`: how many chunks per second automatic embedding stores, against
 * the floor the provider's latency sets; see options.ts for the cells and report.ts for what
 * the report says. The report is bench/results/embedding.md.
 *
 * Every cell runs in a fresh file copy of one migrated template: storing an embedding inserts
 * it into the HNSW index all tenants share, whose cost grows with the graph, so a cell run in a
 * database the cells before it had filled would pay for their chunks.
 */
import { defineBenchmark } from "../harness/benchmark.ts";
import { copyDatabase, createMigratedDatabase, dropDatabase } from "../harness/databases.ts";
import { machineFacts, serverSettings } from "../harness/machine-facts.ts";
import { measureCpuCosts } from "./cpu-costs.ts";
import { type CellResult, measureCell } from "./measure-cell.ts";
import { cellLabel, CELLS, embeddingCli, type EmbeddingOptions } from "./options.ts";
import { renderEmbeddingReport } from "./report.ts";
import { documentsToEmbed } from "./texts.ts";

const EMBEDDING_DIM = 1536;
const TEMPLATE = "pgrag_bench_embedding_template";
const DATABASE = "pgrag_bench_embedding";
const SEED = 20261205;

export const embedding = defineBenchmark<EmbeddingOptions>({
  name: "embedding",
  ...embeddingCli,
  async measure(options, run) {
    run.progress(`creating ${TEMPLATE}`);
    const templateUrl = await createMigratedDatabase(
      run.server,
      run.serverUrl,
      TEMPLATE,
      EMBEDDING_DIM,
    );
    const templateSql = run.connect(templateUrl);
    const facts = await machineFacts(templateSql);
    const settings = await serverSettings(templateSql);
    await templateSql.end({ timeout: 5 });
    run.closeAtEnd(() => dropDatabase(run.server, TEMPLATE));

    const cellDocuments = CELLS.map((_, i) => documentsToEmbed(options.chunks, SEED + i));
    const texts = cellDocuments[0].flatMap((document) => document.chunks ?? [])
      .map((chunk) => chunk.content);
    const cpuCosts = await measureCpuCosts(texts, EMBEDDING_DIM);

    const results: CellResult[] = [];
    for (const [i, cell] of CELLS.entries()) {
      const url = await copyDatabase(run.server, run.serverUrl, TEMPLATE, DATABASE);
      const sql = run.connect(url);
      const context = { sql, url, dimensions: EMBEDDING_DIM, options, progress: run.progress };
      const result = await measureCell(context, cell, cellDocuments[i]);
      await sql.end({ timeout: 5 });
      run.progress(
        `${cellLabel(cell)}: ${(result.chunks / result.seconds).toFixed(0)} chunks/s, ` +
          `${result.providerCalls} calls, verified ${result.verification.ok ? "✓" : "✗"}`,
      );
      results.push(result);
    }
    return {
      markdown: renderEmbeddingReport({ facts, settings, options, cpuCosts, results }),
      partial: options.partial,
    };
  },
});
