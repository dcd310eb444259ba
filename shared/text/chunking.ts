import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";
import { readStaticFile } from "../static/files.ts";

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

/** cl100k_base, the encoding of OpenAI's embedding models. */
export type Tokenizer = Pick<Tiktoken, "encode" | "decode">;

// Building the encoder parses the rank table (~100 ms), so it happens once per isolate and only
// when a request first needs it; the table is a static file, not code (see static/files.ts).
let encoder: Promise<Tiktoken> | undefined;

/** The cl100k tokenizer, loaded on first use. */
export function cl100k(): Promise<Tokenizer> {
  encoder ??= readStaticFile("cl100k_base.json").then((bytes) =>
    new Tiktoken(JSON.parse(new TextDecoder().decode(bytes)) as TiktokenBPE)
  );
  encoder.catch(() => encoder = undefined);
  return encoder;
}

/**
 * Cuts `text` into windows of at most `maxTokens` cl100k tokens, each starting `overlapTokens`
 * before the previous one ended, so a sentence cut at a boundary appears whole in one of them.
 * Windows are trimmed and blank ones dropped; the last window ends at the end of the text (no
 * trailing window made only of overlap).
 */
export function chunkByTokens(
  tokenizer: Tokenizer,
  text: string,
  options: ChunkingOptions,
): TextChunk[] {
  const tokens = tokenizer.encode(text);
  const step = options.maxTokens - options.overlapTokens;
  const chunks: TextChunk[] = [];
  for (let start = 0; start < tokens.length; start += step) {
    const window = tokens.slice(start, start + options.maxTokens);
    const content = tokenizer.decode(window).trim();
    if (content) chunks.push({ content, tokens: window.length, chunkIndex: chunks.length });
    if (start + options.maxTokens >= tokens.length) break;
  }
  return chunks;
}
