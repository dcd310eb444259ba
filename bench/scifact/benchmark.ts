/**
 * `deno task bench scifact`: how well pgrag's search ranks real scientific abstracts for real
 * claims (BEIR SciFact), per search mode and against plain-SQL baselines. See SCIFACT_HELP for
 * the flags; the report goes to stdout (or one JSON line with --json) and bench/results/.
 */
import { benchServerUrl, connect, connectToServer } from "../harness/databases.ts";
import { machineFacts } from "../harness/machine-facts.ts";
import { writeResults } from "../harness/results-file.ts";
import { readSciFact } from "../harness/scifact-files.ts";
import { chunkContent, latestMigration, prepareSciFactDatabase } from "./database.ts";
import { fitEmbedder } from "./embedding.ts";
import { evaluate, type EvaluationQuery, type ModeResult } from "./evaluate.ts";
import { isFullRun, parseSciFactOptions, SCIFACT_HELP } from "./options.ts";
import { renderSciFactJson, renderSciFactReport } from "./report.ts";
import { hasSearchFunction, retrievers } from "./retrievers.ts";
import { vectorLiteral } from "../../shared/vector-text.ts";

const EMBEDDING_DIM = 1536;

/** Progress goes to stderr, so stdout carries only the report or the JSON line. */
function progress(message: string): void {
  console.error(`[scifact] ${message}`);
}

export async function run(args: string[]): Promise<void> {
  const options = parseSciFactOptions(args);
  if (options.help) {
    console.log(SCIFACT_HELP);
    return;
  }
  const data = await readSciFact(options.dataDir);
  const embedder = fitEmbedder(
    data.corpus.map((doc) => chunkContent(doc.title, doc.text)),
    EMBEDDING_DIM,
  );
  const queries: EvaluationQuery[] = data.queries.slice(0, options.limitQueries).map((query) => ({
    query,
    prepared: { text: query.text, embedding: vectorLiteral(embedder.embed(query.text)) },
    relevant: data.relevant.get(query.id)!,
  }));

  const serverUrl = benchServerUrl();
  const server = connectToServer(serverUrl);
  const database = await prepareSciFactDatabase(server, serverUrl, data, embedder, {
    reload: options.reload,
    progress,
  }).finally(() => server.end({ timeout: 5 }));

  const sql = connect(database.url);
  try {
    const facts = await machineFacts(sql);
    const functionPresent = await hasSearchFunction(sql);
    const all = retrievers(options.parameters);
    const results: ModeResult[] = [];
    const skipped: { id: string; reason: string }[] = [];
    for (const id of options.modes) {
      const retriever = all[id];
      if (retriever.usesSearchFunction && !functionPresent) {
        skipped.push({ id, reason: "pgrag.hybrid_search does not exist (yet) in the migrations" });
        progress(`${id}: skipped, pgrag.hybrid_search does not exist`);
        continue;
      }
      progress(`${id}: ${queries.length} queries`);
      const result = await evaluate(sql, database.tenantId, retriever, queries);
      progress(
        `  nDCG@10 ${result.scores.ndcg10.toFixed(4)}, recall@100 ` +
          `${result.scores.recall100.toFixed(4)}, MRR@10 ${result.scores.mrr10.toFixed(4)}, ` +
          `p50 ${result.p50Ms.toFixed(1)} ms` +
          (result.failed.length ? `, ${result.failed.length} failed` : ""),
      );
      results.push(result);
    }

    const report = {
      facts,
      options,
      queries: queries.length,
      documents: data.corpus.length,
      results,
      skipped,
      loadSeconds: database.loadSeconds,
      schema: await latestMigration(sql),
    };
    const file = await writeResults(
      "scifact",
      !isFullRun(options),
      renderSciFactReport(report),
    );
    console.log(options.json ? renderSciFactJson(report) : await Deno.readTextFile(file));
    progress(`written to ${file.pathname}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
