import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { embeddingSchema } from "../../shared/schemas/embedding.ts";

const base64 = (values: number[]) =>
  Buffer.from(new Float32Array(values).buffer).toString("base64");

describe("embeddingSchema()", () => {
  const schema = embeddingSchema(3);

  it("turns JSON arrays and base64 float32 into the same pgvector text", () => {
    expect(JSON.parse(schema.parse([0.5, -1, 2]))).toEqual([0.5, -1, 2]);
    expect(schema.parse(base64([0.5, -1, 2]))).toBe(schema.parse([0.5, -1, 2]));
  });

  it("writes 9 significant digits, which name every float32 exactly", () => {
    const values = Array.from(
      { length: 1000 },
      (_, i) => Math.fround(Math.sin(i) * 10 ** (i % 7 - 3)),
    );
    const text = embeddingSchema(1000).parse(base64(values));
    const parsed: number[] = JSON.parse(text);
    expect(parsed.map((value) => Math.fround(value))).toEqual(values);
    expect(text.length).toBeLessThan(values.length * 16);
  });

  it.each([
    ["wrong length", [1, 2]],
    ["zero vector", [0, 0, 0]],
    ["infinite value", [Infinity, 0, 0]],
    ["NaN in base64", base64([NaN, 1, 1])],
    ["beyond float32", [1e39, 0, 0]],
    ["norm overflow", [2e19, 0, 0]],
    ["norm underflow", [1e-20, 0, 0]],
    ["base64 of the wrong length", base64([1, 2, 3, 4])],
    ["not base64", "@@@@"],
  ])("refuses %s", (_name, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });

  it("limits halfvec embeddings to half precision's range", () => {
    const wide = embeddingSchema(2001);
    const values = new Array(2001).fill(0.01);
    expect(wide.safeParse(values).success).toBe(true);
    values[0] = 70_000;
    expect(wide.safeParse(values).success).toBe(false);
  });
});
