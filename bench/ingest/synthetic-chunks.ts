/**
 * Deterministic test data: documents of English-looking text cut into chunks, each with a random
 * unit embedding. Real words matter because PostgreSQL computes `content_tsv` (stemming, stop
 * words) on every insert, and that cost is part of what the benchmark measures; random letters
 * would make it cheaper than it is for real text.
 */
import { type Random, randomInt, seededRandom } from "../harness/seeded-random.ts";

export interface SyntheticChunk {
  /** Position in its document, from 0. */
  readonly index: number;
  readonly content: string;
  /** A plausible token count (about 1.3 tokens a word, as for English with GPT tokenizers). */
  readonly tokens: number;
  readonly embedding: Float32Array;
}

export interface SyntheticDocument {
  /** 1-based number of the document in its data set; ids are made from it. */
  readonly number: number;
  /** The chunk texts joined with blank lines, as if the chunks had been cut from it. */
  readonly content: string;
  readonly chunks: readonly SyntheticChunk[];
}

export interface DataSetShape {
  documents: number;
  chunksPerDocument: number;
  dimension: number;
  seed: number;
}

const NOUNS = (
  "system data table index query result user request server client database record value " +
  "model document chunk vector search report team project customer order product market price " +
  "service network policy process question answer method change problem solution account " +
  "company country city region history science research study analysis evidence example idea " +
  "language library book author reader article section chapter paragraph sentence word meaning " +
  "machine engine memory storage disk file folder page network signal pattern structure rule " +
  "water energy weather season river mountain forest garden village street building window door " +
  "morning evening week month year decade moment period schedule plan budget cost benefit risk"
).split(" ");

const ADJECTIVES = (
  "large small recent early late simple complex common rare important useful careful quick " +
  "slow steady reliable private public local global final initial careful open closed clear " +
  "different similar new old main general specific available necessary possible likely " +
  "significant modern traditional natural practical technical economic social political"
).split(" ");

const VERBS = (
  "describes supports reduces improves explains requires includes provides contains follows " +
  "changes creates measures records stores returns compares updates replaces connects limits " +
  "affects shows suggests confirms protects handles shapes reflects extends combines"
).split(" ");

const ADVERBS = (
  "often usually rarely quickly slowly carefully clearly mostly largely simply directly " +
  "recently generally finally gradually"
).split(" ");

const PREPOSITIONS = "in on with for from through during across under within after before"
  .split(" ");

const OPENERS = [
  "However,",
  "In practice,",
  "For example,",
  "As a result,",
  "In most cases,",
  "At the same time,",
  "Over the years,",
  "In this section,",
];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function nounPhrase(random: Random): string {
  const article = random() < 0.6 ? "the" : random() < 0.5 ? "a" : "each";
  const adjective = random() < 0.6 ? `${pick(random, ADJECTIVES)} ` : "";
  const noun = pick(random, NOUNS);
  const fixedArticle = article === "a" && /^[aeiou]/.test(adjective || noun) ? "an" : article;
  return `${fixedArticle} ${adjective}${noun}`;
}

/** One sentence of 6 to 25 words built from a few clause patterns. */
function sentence(random: Random): string {
  const parts: string[] = [];
  if (random() < 0.2) parts.push(pick(random, OPENERS));
  parts.push(nounPhrase(random));
  if (random() < 0.3) parts.push(pick(random, ADVERBS));
  parts.push(pick(random, VERBS), nounPhrase(random));
  if (random() < 0.6) parts.push(pick(random, PREPOSITIONS), nounPhrase(random));
  if (random() < 0.3) parts.push("and", pick(random, VERBS), nounPhrase(random));
  const text = parts.join(" ");
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

/** A chunk of 100 to 200 words (the last sentence may run a few words over). */
function chunkText(random: Random): { text: string; words: number } {
  return syntheticText(random, 100, 200);
}

/** Sentences of `minWords` to `maxWords` words in all (the last may run a few words over). */
export function syntheticText(
  random: Random,
  minWords: number,
  maxWords: number,
): { text: string; words: number } {
  const target = randomInt(random, minWords, maxWords);
  const sentences: string[] = [];
  let words = 0;
  while (words < target) {
    const next = sentence(random);
    sentences.push(next);
    words += next.split(" ").length;
  }
  return { text: sentences.join(" "), words };
}

/** Components uniform in [-1, 1), scaled to length 1 (what embedding models return). */
function unitVector(random: Random, dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  let sumOfSquares = 0;
  for (let i = 0; i < dimension; i++) {
    const value = random() * 2 - 1;
    vector[i] = value;
    sumOfSquares += value * value;
  }
  const scale = 1 / Math.sqrt(sumOfSquares);
  for (let i = 0; i < dimension; i++) vector[i] *= scale;
  return vector;
}

/**
 * Yields the documents one at a time, so that a large preload never holds all its vectors in
 * memory at once. The same shape and seed always yield the same documents.
 */
export function* syntheticDocuments(shape: DataSetShape): Generator<SyntheticDocument> {
  const random = seededRandom(shape.seed);
  for (let number = 1; number <= shape.documents; number++) {
    const chunks: SyntheticChunk[] = [];
    for (let index = 0; index < shape.chunksPerDocument; index++) {
      const { text, words } = chunkText(random);
      chunks.push({
        index,
        content: text,
        tokens: Math.round(words * 1.3),
        embedding: unitVector(random, shape.dimension),
      });
    }
    yield { number, content: chunks.map((chunk) => chunk.content).join("\n\n"), chunks };
  }
}
