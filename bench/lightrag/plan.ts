/** What both sides of `deno task bench lightrag` write: SciFact documents cut into chunks. */
import type { CorpusDocument } from "../harness/scifact-files.ts";

export interface PlannedDocument {
  id: string;
  content: string;
  chunks: { id: string; index: number; tokens: number; content: string }[];
}

/** Words per chunk: SciFact abstracts are short, so most become one or two chunks. */
const CHUNK_WORDS = 150;

export function planDocuments(corpus: readonly CorpusDocument[]): PlannedDocument[] {
  return corpus.map((doc) => {
    const content = `${doc.title}\n${doc.text}`;
    const words = content.split(/\s+/);
    const chunks = [];
    for (let start = 0; start < words.length; start += CHUNK_WORDS) {
      const part = words.slice(start, start + CHUNK_WORDS);
      chunks.push({
        id: `chunk-${doc.id}-${chunks.length}`,
        index: chunks.length,
        tokens: part.length,
        content: part.join(" "),
      });
    }
    return { id: `doc-${doc.id}`, content, chunks };
  });
}

/** A cheap deterministic stand-in for an embedding model (the same cost on both sides). */
export function fakeEmbedding(text: string, dimension: number): number[] {
  let state = 2166136261;
  for (let i = 0; i < text.length; i++) state = Math.imul(state ^ text.charCodeAt(i), 16777619);
  const values: number[] = [];
  for (let i = 0; i < dimension; i++) {
    state = Math.imul(state ^ (state >>> 15), 2246822507) >>> 0;
    values.push((state / 4294967296) * 2 - 1);
  }
  return values;
}
