/**
 * The documents a cell writes: chunks of about 100 words of English-looking text, no embeddings
 * (the worker makes them). Every chunk's text is different, so a provider input seen twice can
 * only mean a chunk was embedded twice; each cell draws from its own seed, so no cell's chunks
 * repeat another's.
 */
import { syntheticText } from "../ingest/synthetic-chunks.ts";
import { seededRandom } from "../harness/seeded-random.ts";
import type { DocumentInput } from "../harness/write-documents.ts";
import { CHUNKS_PER_DOCUMENT } from "./options.ts";

export function documentsToEmbed(chunks: number, seed: number): DocumentInput[] {
  const random = seededRandom(seed);
  const seen = new Set<string>();
  const documents: DocumentInput[] = [];
  for (let d = 0; d < chunks / CHUNKS_PER_DOCUMENT; d++) {
    const texts: string[] = [];
    while (texts.length < CHUNKS_PER_DOCUMENT) {
      const { text } = syntheticText(random, 90, 110);
      if (seen.has(text)) continue;
      seen.add(text);
      texts.push(text);
    }
    documents.push({
      content: texts.join("\n\n"),
      chunks: texts.map((content, index) => ({ content, chunk_index: index })),
    });
  }
  return documents;
}
