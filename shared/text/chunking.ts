import { Tiktoken } from "js-tiktoken/lite";
import cl100kBase from "js-tiktoken/ranks/cl100k_base";

/** How content is cut when a document arrives without chunks (LightRAG's defaults). */
export interface ChunkingOptions {
  maxTokens: number;
  overlapTokens: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { maxTokens: 1200, overlapTokens: 100 };

export interface TextChunk {
  content: string;
  tokens: number;
  chunkIndex: number;
}

// Building the encoder parses the rank table (~100 ms), so it happens once per isolate and only
// when a request first needs it.
let encoder: Tiktoken | undefined;
function cl100k(): Tiktoken {
  encoder ??= new Tiktoken(cl100kBase);
  return encoder;
}

/** Tokens of `text` in cl100k_base, the encoding of OpenAI's embedding models. */
export function countTokens(text: string): number {
  return cl100k().encode(text).length;
}

/**
 * Cuts `text` into windows of at most `maxTokens` cl100k tokens, each starting `overlapTokens`
 * before the previous one ended, so a sentence cut at a boundary appears whole in one of them.
 * Windows are trimmed and blank ones dropped; the last window ends at the end of the text (no
 * trailing window made only of overlap).
 */
export function chunkByTokens(text: string, options: ChunkingOptions): TextChunk[] {
  const tokens = cl100k().encode(text);
  const step = options.maxTokens - options.overlapTokens;
  const chunks: TextChunk[] = [];
  for (let start = 0; start < tokens.length; start += step) {
    const window = tokens.slice(start, start + options.maxTokens);
    const content = cl100k().decode(window).trim();
    if (content) chunks.push({ content, tokens: window.length, chunkIndex: chunks.length });
    if (start + options.maxTokens >= tokens.length) break;
  }
  return chunks;
}
