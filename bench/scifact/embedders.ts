/**
 * What the benchmark embeds chunks and queries with, chosen by --embedding: the lexical stand-in
 * (embedding.ts) or pgrag's offline `local` provider, called through the EmbeddingProvider
 * interface as the server's embedding worker and query path call it. Everything that differs
 * between the two (the vectors, the database they are stored in, the results file, what the
 * report says about them) is decided here, once.
 */
import { createLocalProvider } from "../../shared/embedding/local.ts";
import { EMBEDDING_VERSION, fitEmbedder } from "./embedding.ts";

export const EMBEDDING_CHOICES = ["stand-in", "local"] as const;
export type EmbeddingChoice = typeof EMBEDDING_CHOICES[number];

export interface SciFactEmbedder {
  readonly choice: EmbeddingChoice;
  /** The model's name: the report quotes it and the loaded database's fingerprint holds it. */
  readonly model: string;
  readonly dimension: number;
  /**
   * Keeps its database (pgrag_scifact_<variant>) and results file (scifact-<variant>.md) apart
   * from the stand-in's, which came first and keep their names.
   */
  readonly variant?: string;
  /** What the report's section on the embedding says, so its figures are read for what they are. */
  readonly about: { readonly heading: string; readonly text: string };
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** The embedder `choice` names; the stand-in learns its idf from `corpus`, the texts of chunks. */
export function createSciFactEmbedder(
  choice: EmbeddingChoice,
  corpus: readonly string[],
  dimension: number,
): SciFactEmbedder {
  return choice === "local" ? localEmbedder(dimension) : standInEmbedder(corpus, dimension);
}

function standInEmbedder(corpus: readonly string[], dimension: number): SciFactEmbedder {
  const fitted = fitEmbedder(corpus, dimension);
  return {
    choice: "stand-in",
    model: EMBEDDING_VERSION,
    dimension,
    about: {
      heading: "The embedding is lexical, not semantic",
      text: "Chunks and queries are embedded with a deterministic stand-in for a model " +
        `(\`${EMBEDDING_VERSION}\`): words and character trigrams hashed into ${dimension} ` +
        "signed buckets, weighted by log(1 + tf) × idf from the corpus (words above trigrams) " +
        "and L2-normalised. It rewards shared words and word parts, never meaning, so `vector` " +
        "is a second lexical ranker and `hybrid` fuses two lexical signals: its gain over " +
        "`keyword` says how well fusion works, not what a real embedding model would add. " +
        "`--embedding local` measures pgrag's offline model instead.",
    },
    embed: (texts) => Promise.resolve(texts.map((text) => fitted.embed(text))),
  };
}

function localEmbedder(dimension: number): SciFactEmbedder {
  const provider = createLocalProvider({ dimensions: dimension });
  return {
    choice: "local",
    model: provider.model,
    dimension,
    variant: "local",
    about: {
      heading: "The embedding is pgrag's local model",
      text: "Chunks and queries are embedded by pgrag's `local` embedding provider " +
        `(\`${provider.model}\`), which runs in-process with no key, network or model download: ` +
        "the SIF-weighted mean of each text's GloVe word vectors (100 values, zero-padded to " +
        `the database's ${dimension}, which leaves cosine unchanged). It knows that related ` +
        "words are related, but as a bag of words it cannot tell who did what to whom, and " +
        "words outside its vocabulary add nothing to a text that has others. `hybrid` fuses " +
        "it with BM25: its gain or loss over `keyword` is what this model would add to pgrag's " +
        "search.",
    },
    embed: async (texts) => (await provider.embed(texts)).vectors,
  };
}
