/**
 * `deno run -A bench/scifact/local-quality.ts [--data DIR]`: how well the `local` embedding
 * provider ranks SciFact on its own, next to the benchmark's lexical stand-in, both by exact
 * cosine over every abstract in memory (no database, no index), so the figures compare the
 * embeddings alone. Prints nDCG@10, recall@100 and MRR@10 on the train split, and how fast
 * each embeds the corpus.
 */
import { createLocalProvider } from "../../shared/embedding/local.ts";
import { parseFlags } from "../harness/cli-flags.ts";
import { readSciFact, SCIFACT_DATA_FLAG, sciFactDir } from "../harness/scifact-files.ts";
import { embeddingText } from "./database.ts";
import { fitEmbedder } from "./embedding.ts";
import { meanScores, type QueryScores, scoreRanking } from "./metrics.ts";

/** The provider's vectors are zero-padded beyond its 100 values: cosine is the same without. */
const LOCAL_DIMENSIONS = 100;
/** The dimension the benchmark's database stores the stand-in's vectors in. */
const STAND_IN_DIMENSIONS = 1536;
const BATCH = 256;

interface Row {
  name: string;
  scores: QueryScores;
  loadSeconds: number;
  docsPerSecond: number;
}

const data = await readSciFact(sciFactDir(parseFlags(Deno.args, [SCIFACT_DATA_FLAG])));
const documents = data.corpus.map((doc) => embeddingText(doc.title, doc.text));
const ids = data.corpus.map((doc) => doc.id);
const rows: Row[] = [];

{
  let started = performance.now();
  const embedder = fitEmbedder(documents, STAND_IN_DIMENSIONS);
  const loadSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const corpus = documents.map((text) => embedder.embed(text));
  const docsPerSecond = documents.length / ((performance.now() - started) / 1000);
  const scores = evaluate(corpus, (text) => embedder.embed(text));
  rows.push({ name: "stand-in (hashed words + trigrams)", scores, loadSeconds, docsPerSecond });
}

{
  const provider = createLocalProvider({ dimensions: LOCAL_DIMENSIONS });
  let started = performance.now();
  await provider.embed(["warm up"]);
  const loadSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const corpus: Float32Array[] = [];
  for (let i = 0; i < documents.length; i += BATCH) {
    corpus.push(...(await provider.embed(documents.slice(i, i + BATCH))).vectors);
  }
  const docsPerSecond = documents.length / ((performance.now() - started) / 1000);
  const queryVectors = new Map<string, Float32Array>();
  const texts = data.queries.map((query) => query.text);
  const embedded = (await provider.embed(texts)).vectors;
  texts.forEach((text, i) => queryVectors.set(text, embedded[i]));
  const scores = evaluate(corpus, (text) => queryVectors.get(text)!);
  rows.push({ name: `local (${provider.model})`, scores, loadSeconds, docsPerSecond });
}

console.log(
  `SciFact train: ${data.queries.length} queries, ${documents.length} abstracts, exact cosine\n`,
);
console.log("| embedding | nDCG@10 | recall@100 | MRR@10 | load s | docs/s |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const { name, scores, loadSeconds, docsPerSecond } of rows) {
  console.log(
    `| ${name} | ${scores.ndcg10.toFixed(4)} | ${scores.recall100.toFixed(4)} | ` +
      `${scores.mrr10.toFixed(4)} | ${loadSeconds.toFixed(2)} | ${docsPerSecond.toFixed(0)} |`,
  );
}

/** Every judged query's top 100 by dot product (the vectors are unit length), scored. */
function evaluate(
  corpus: readonly Float32Array[],
  embedQuery: (text: string) => Float32Array,
): QueryScores {
  const perQuery = data.queries.map((query) => {
    const q = embedQuery(query.text);
    const similarity = corpus.map((doc) => {
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i] * doc[i];
      return dot;
    });
    const order = ids.map((_, i) => i).sort((a, b) => similarity[b] - similarity[a]);
    return scoreRanking(order.slice(0, 100).map((i) => ids[i]), data.relevant.get(query.id)!);
  });
  return meanScores(perQuery);
}
