import { afterEach, describe, expect, it } from "vitest";
import { EmbeddingUnavailable } from "../../shared/embedding/provider.ts";
import { createSupabaseProvider } from "../../shared/embedding/supabase.ts";
import { cl100k } from "../../shared/text/chunking.ts";
import { standInVector } from "../support/embedding-stand-in.ts";

const tokenizer = await cl100k();
const runtime = globalThis as { Supabase?: unknown };

interface Run {
  model: string;
  input: string;
  options: unknown;
}

/** Installs a stand-in for the Edge Runtime's `Supabase.ai`, recording every run. */
function installEdgeRuntime(answer = (input: string): unknown => [...standInVector(input, 384)]) {
  const runs: Run[] = [];
  runtime.Supabase = {
    ai: {
      Session: class {
        constructor(readonly model: string) {}
        run(input: string, options: unknown) {
          runs.push({ model: this.model, input, options });
          return Promise.resolve(answer(input));
        }
      },
    },
  };
  return runs;
}

afterEach(() => {
  delete runtime.Supabase;
});

describe("createSupabaseProvider()", () => {
  it("embeds each text with gte-small, mean-pooled and normalized, in order", async () => {
    const runs = installEdgeRuntime();
    const provider = createSupabaseProvider();
    expect(provider).toMatchObject({ name: "supabase", model: "gte-small", dimensions: 384 });
    const texts = ["first text", "the second", "and a third one"];
    const result = await provider.embed(texts);
    expect(result.vectors).toEqual(texts.map((text) => standInVector(text, 384)));
    expect(result.vectors.every((vector) => vector.length === 384)).toBe(true);
    expect(result.calls).toBe(3);
    expect(result.tokens).toBe(texts.reduce((sum, text) => sum + tokenizer.encode(text).length, 0));
    expect(runs).toEqual(texts.map((input) => ({
      model: "gte-small",
      input,
      options: { mean_pool: true, normalize: true },
    })));
  });

  it("throws at creation outside the Edge Runtime", () => {
    expect(() => createSupabaseProvider()).toThrow(
      "the supabase provider runs only on Supabase's Edge Runtime",
    );
    runtime.Supabase = { ai: {} };
    expect(() => createSupabaseProvider()).toThrow(/Edge Runtime/);
  });

  it("reports a failing model, or one that returns no vector, as unavailable", async () => {
    installEdgeRuntime(() => {
      throw new Error("out of memory");
    });
    await expect(createSupabaseProvider().embed(["x"])).rejects.toThrow(EmbeddingUnavailable);
    installEdgeRuntime(() => [0.5, 0.5]);
    await expect(createSupabaseProvider().embed(["x"])).rejects.toThrow(/384-value vector/);
  });

  it("stops between texts once the signal aborts", async () => {
    const controller = new AbortController();
    const runs = installEdgeRuntime((input) => {
      controller.abort();
      return [...standInVector(input, 384)];
    });
    const embedding = createSupabaseProvider().embed(["a", "b", "c"], {
      signal: controller.signal,
    });
    await expect(embedding).rejects.toMatchObject({ name: "AbortError" });
    expect(runs).toHaveLength(1);
  });

  it("makes no run for no texts", async () => {
    const runs = installEdgeRuntime();
    expect(await createSupabaseProvider().embed([])).toEqual({ vectors: [], tokens: 0, calls: 0 });
    expect(runs).toEqual([]);
  });
});
