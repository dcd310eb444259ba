/**
 * A deterministic stand-in for an embedding model, since none can be downloaded here: a hashed
 * bag of words and character trigrams ("feature hashing"). It is a lexical and subword signal,
 * not a semantic one: two texts are close when they share (stems of) words, never because they
 * mean the same thing in other words. Vector and hybrid figures measured with it say how pgrag's
 * vector path ranks a second, differently tokenised lexical signal, not how a real model would
 * do.
 *
 * Each word and each character trigram of `#word#` is hashed (FNV-1a, 32 bits) to one of the
 * dimensions and a sign; its weight is kind × log(1 + tf) × idf, with idf from the corpus, and
 * the vector is L2-normalised, so cosine similarity is a normalised weighted overlap. Random
 * signs make colliding features cancel on average instead of piling up.
 */

/** Stored with the loaded database: change it whenever the function below changes. */
export const EMBEDDING_VERSION = "hashed-words-trigrams-v1";

/** Whole words say more than fragments; trigrams add stems, plurals and hyphenated parts. */
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.35;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export interface Embedder {
  readonly dimension: number;
  embed(text: string): Float32Array;
}

/** Learns the features' document frequencies from `corpus` and embeds with them. */
export function fitEmbedder(corpus: Iterable<string>, dimension: number): Embedder {
  const documentFrequency = new Map<string, number>();
  let documents = 0;
  for (const text of corpus) {
    documents++;
    for (const feature of termFrequencies(text).keys()) {
      documentFrequency.set(feature, (documentFrequency.get(feature) ?? 0) + 1);
    }
  }
  // BM25's idf: rare features weigh most, one in every document weighs almost nothing.
  const idf = (df: number) => Math.log(1 + (documents - df + 0.5) / (df + 0.5));

  return {
    dimension,
    embed(text: string): Float32Array {
      const vector = new Float32Array(dimension);
      for (const [feature, tf] of termFrequencies(text)) {
        const df = documentFrequency.get(feature);
        // A feature no document has can match nothing; hashed in, it would only add noise.
        if (df === undefined) continue;
        const kindWeight = feature.startsWith("w:") ? WORD_WEIGHT : TRIGRAM_WEIGHT;
        const hash = fnv1a(feature);
        const sign = (mix(hash) & 1) === 0 ? 1 : -1;
        vector[hash % dimension] += sign * kindWeight * Math.log1p(tf) * idf(df);
      }
      return normalise(vector);
    },
  };
}

/** Lower-cased words (letters and digits) and their trigrams, with counts. */
function termFrequencies(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  for (const [word] of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    // Prefixes keep a word apart from a trigram with the same letters ("w:cat" vs "t:cat").
    add(`w:${word}`);
    const marked = `#${word}#`;
    for (let i = 0; i + 3 <= marked.length; i++) add(`t:${marked.slice(i, i + 3)}`);
  }
  return counts;
}

/** FNV-1a over UTF-16 code units: fast, deterministic, and good enough for bucketing. */
function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * MurmurHash3's finaliser: the sign comes from a well-mixed bit, independent of the bucket
 * (FNV's low bits, which pick the bucket, would otherwise also pick the sign).
 */
function mix(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) { for (let i = 0; i < vector.length; i++) vector[i] /= norm; }
  return vector;
}
