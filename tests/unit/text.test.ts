import { describe, expect, it } from "vitest";
import { chunkByTokens, cl100k } from "../../shared/text/chunking.ts";
import { derivedId } from "../../shared/text/ids.ts";

const tokenizer = await cl100k();
const countTokens = (text: string) => tokenizer.encode(text).length;

describe("chunkByTokens()", () => {
  const text = Array.from({ length: 200 }, (_, i) => `Sentence number ${i} ends here.`).join(" ");

  it("cuts cl100k windows of max_tokens that overlap by overlap_tokens", () => {
    const chunks = chunkByTokens(tokenizer, text, { maxTokens: 50, overlapTokens: 10 });
    expect(chunks.length).toBe(Math.ceil((countTokens(text) - 50) / 40) + 1);
    expect(chunks.slice(0, -1).every((chunk) => chunk.tokens === 50)).toBe(true);
    expect(chunks.map((chunk) => chunk.chunkIndex)).toEqual(chunks.map((_, i) => i));
    // The start of each window repeats the end of the previous one.
    const tail = chunks[0].content.split(" ").slice(-3).join(" ");
    expect(chunks[1].content).toContain(tail);
    expect(chunks.at(-1)!.content.endsWith("Sentence number 199 ends here.")).toBe(true);
  });

  it("keeps a short text whole and drops blank input", () => {
    expect(chunkByTokens(tokenizer, "  short text  ", { maxTokens: 1200, overlapTokens: 100 }))
      .toEqual([
        { content: "short text", tokens: countTokens("  short text  "), chunkIndex: 0 },
      ]);
    expect(chunkByTokens(tokenizer, "", { maxTokens: 10, overlapTokens: 0 })).toEqual([]);
  });

  it("counts tokens as cl100k does", () => {
    expect(countTokens("hello world")).toBe(2);
  });
});

describe("derivedId()", () => {
  it("is the md5 of the content with LightRAG's prefixes", () => {
    expect(derivedId("doc", "hello")).toBe("doc-5d41402abc4b2a76b9719d911017c592");
    expect(derivedId("chunk", "hello")).toBe("chunk-5d41402abc4b2a76b9719d911017c592");
  });
});
