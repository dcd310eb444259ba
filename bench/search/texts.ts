/**
 * Real-looking chunk text that agrees with the clustered vectors: every topic is one SciFact
 * abstract, and a chunk of a topic opens with a few consecutive sentences of that abstract and
 * goes on with sentences from other abstracts of the same field. A query's words, taken from a
 * chunk, therefore match that chunk, its topic's chunks that share the sentence, and a few in
 * the field, the way a keyword search over a real corpus finds its topic and some noise.
 */
import type { CorpusDocument } from "../harness/scifact-files.ts";
import { type Random, randomInt } from "../harness/seeded-random.ts";

export interface Topic {
  readonly title: string;
  readonly sentences: readonly string[];
}

/** Abstracts with fewer sentences would repeat themselves in every chunk of their topic. */
const MIN_SENTENCES = 5;
const OWN_SENTENCES = { min: 2, max: 3 };
const FIELD_SENTENCES = { min: 2, max: 3 };
const QUERY_WORDS = 3;

/** Splits after . ! or ? followed by a space and a capital letter or digit. */
function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z0-9])/).map((s) => s.trim()).filter(Boolean);
}

/** `count` topics from distinct abstracts, in a seeded random order. */
export function pickTopics(
  corpus: readonly CorpusDocument[],
  count: number,
  random: Random,
): Topic[] {
  const usable = corpus
    .map((doc) => ({ title: doc.title.trim(), sentences: sentences(doc.text) }))
    .filter((topic) => topic.title !== "" && topic.sentences.length >= MIN_SENTENCES);
  if (usable.length < count) {
    throw new Error(`the corpus has ${usable.length} usable abstracts, ${count} topics needed`);
  }
  for (let i = 0; i < count; i++) {
    const j = randomInt(random, i, usable.length - 1);
    [usable[i], usable[j]] = [usable[j], usable[i]];
  }
  return usable.slice(0, count);
}

/** Consecutive sentences of the topic, then sentences of other topics of its field. */
export function chunkText(topic: Topic, field: readonly Topic[], random: Random): string {
  const own = randomInt(random, OWN_SENTENCES.min, OWN_SENTENCES.max);
  const start = randomInt(random, 0, topic.sentences.length - own);
  const parts = topic.sentences.slice(start, start + own);
  const borrowed = randomInt(random, FIELD_SENTENCES.min, FIELD_SENTENCES.max);
  for (let i = 0; i < borrowed; i++) {
    const other = field[randomInt(random, 0, field.length - 1)];
    parts.push(other.sentences[randomInt(random, 0, other.sentences.length - 1)]);
  }
  return parts.join(" ");
}

/**
 * A few consecutive words of five letters or more from the text's first sentence: what a user
 * might type. Shorter words are mostly stop words, which full-text search drops.
 */
export function queryWords(text: string, random: Random): string {
  const words = sentences(text)[0].match(/[A-Za-z][A-Za-z-]{4,}/g) ?? [text];
  const start = randomInt(random, 0, Math.max(0, words.length - QUERY_WORDS));
  return words.slice(start, start + QUERY_WORDS).join(" ");
}
