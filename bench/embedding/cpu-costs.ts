/**
 * The worker-side CPU a chunk costs outside the database, measured apart from any cell: the
 * openai provider counts every input's tokens with cl100k before it splits a claim into calls,
 * and the worker prints every vector as pgvector text before it stores it. Both run on the
 * worker's event loop, so they bound what one process can embed however fast the provider is.
 */
import { cl100k } from "../../shared/text/chunking.ts";
import { vectorLiteral } from "../../shared/vector-text.ts";
import { standInVector } from "../../tests/support/embedding-stand-in.ts";

export interface CpuCosts {
  readonly texts: number;
  /** Mean cl100k tokens per text. */
  readonly tokensPerText: number;
  readonly tokenizeMsPerText: number;
  readonly vectorTextMsPerVector: number;
}

export async function measureCpuCosts(texts: readonly string[], dimensions: number) {
  const tokenizer = await cl100k();
  tokenizer.encode("warm up", [], []);
  let tokens = 0;
  const tokenizeStarted = performance.now();
  for (const text of texts) tokens += tokenizer.encode(text, [], []).length;
  const tokenizeMs = performance.now() - tokenizeStarted;

  const vectors = texts.map((text) => standInVector(text, dimensions));
  let length = 0;
  const printStarted = performance.now();
  for (const vector of vectors) length += vectorLiteral(vector).length;
  const printMs = performance.now() - printStarted;
  if (length === 0) throw new Error("no vectors were printed");
  return {
    texts: texts.length,
    tokensPerText: tokens / texts.length,
    tokenizeMsPerText: tokenizeMs / texts.length,
    vectorTextMsPerVector: printMs / texts.length,
  } satisfies CpuCosts;
}
