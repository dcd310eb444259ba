/**
 * `deno task bench scifact`: how well pgrag's search ranks real scientific abstracts for real
 * claims (BEIR SciFact), per search mode and against plain-SQL baselines. See options.ts's ABOUT;
 * the report is bench/results/scifact.md, scifact-local.md with --embedding local (or one JSON
 * line on stdout with --json).
 */
import { vectorLiteral } from "../../shared/vector-text.ts";
import { defineBenchmark } from "../harness/benchmark.ts";
import { machineFacts } from "../harness/machine-facts.ts";
import { readSciFact } from "../harness/scifact-files.ts";
import { embeddingText, prepareSciFactDatabase, schemaVersion } from "./database.ts";
import { createSciFactEmbedder } from "./embedders.ts";
import { measureApiLatency, renderApiLatency } from "./api-latency.ts";
import { evaluate, type EvaluationQuery, latencyAt, type ModeResult } from "./evaluate.ts";
import { isFullRun, sciFactCli, type SciFactOptions } from "./options.ts";
import { renderSciFactJson, renderSciFactReport } from "./report.ts";
import { hasSearchFunction, type RetrieverId, retrievers } from "./retrievers.ts";

/** Modes also timed at top 10, where the speed targets are set. */
const TOP10_LATENCY_MODES: readonly RetrieverId[] = [
  "keyword",
  "vector",
  "hybrid",
  "baseline-bare-hnsw",
];

const EMBEDDING_DIM = 1536;

export const scifact = defineBenchmark<SciFactOptions>({
  name: "scifact",
  ...sciFactCli,
  async measure(options, run) {
    const data = await readSciFact(options.dataDir);
    const embedder = createSciFactEmbedder(
      options.embedding,
      data.corpus.map((doc) => embeddingText(doc.title, doc.text)),
      EMBEDDING_DIM,
    );
    const judged = data.queries.slice(0, options.limitQueries);
    const queryVectors = await embedder.embed(judged.map((query) => query.text));
    const queries: EvaluationQuery[] = judged.map((query, i) => ({
      query,
      prepared: { text: query.text, embedding: vectorLiteral(queryVectors[i]) },
      relevant: data.relevant.get(query.id)!,
    }));
    const database = await prepareSciFactDatabase(run, data, embedder, options);

    const sql = run.connect(database.url);
    const facts = await machineFacts(sql);
    const functionPresent = await hasSearchFunction(sql);
    const all = retrievers(options.parameters);
    const results: ModeResult[] = [];
    const skipped: { id: string; reason: string }[] = [];
    for (const id of options.modes) {
      const retriever = all[id];
      if (retriever.usesSearchFunction && !functionPresent) {
        skipped.push({ id, reason: "pgrag.hybrid_search does not exist (yet) in the migrations" });
        run.progress(`${id}: skipped, pgrag.hybrid_search does not exist`);
        continue;
      }
      run.progress(`${id}: ${queries.length} queries`);
      const result: ModeResult & { p50Top10Ms?: number } = await evaluate(
        sql,
        database.tenantId,
        retriever,
        queries,
      );
      if (TOP10_LATENCY_MODES.includes(id)) {
        result.p50Top10Ms = await latencyAt(sql, database.tenantId, retriever, queries, 10);
      }
      run.progress(
        `  nDCG@10 ${result.scores.ndcg10.toFixed(4)}, recall@100 ` +
          `${result.scores.recall100.toFixed(4)}, MRR@10 ${result.scores.mrr10.toFixed(4)}, ` +
          `p50 ${result.p50Ms.toFixed(1)} ms` +
          (result.failed.length ? `, ${result.failed.length} failed` : ""),
      );
      results.push(result);
    }

    // Through the API only where the SQL it is compared with was measured.
    const speedModes = results.filter((result) => result.p50Top10Ms !== undefined);
    const api = functionPresent && speedModes.length === TOP10_LATENCY_MODES.length
      ? await measureApiLatency(sql, database.url, database.tenantId, queries)
      : null;
    if (api) run.progress(`through the API: ${api.cases.length} cases`);

    const report = {
      facts,
      options,
      embedder,
      database: database.name,
      queries: queries.length,
      documents: data.corpus.length,
      results,
      skipped,
      loadSeconds: database.loadSeconds,
      schema: await schemaVersion(sql),
    };
    return {
      markdown: renderSciFactReport(report) + (api ? `\n${renderApiLatency(api, results)}` : ""),
      partial: !isFullRun(options),
      variant: embedder.variant,
      stdout: options.json ? renderSciFactJson(report) : undefined,
    };
  },
});
