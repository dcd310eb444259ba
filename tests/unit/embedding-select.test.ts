import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../shared/config.ts";
import { selectEmbeddingProvider } from "../../shared/embedding/select.ts";
import { startServerProcess } from "../support/server-process.ts";

const select = (env: Record<string, string>) => selectEmbeddingProvider(parseConfig(env));

describe("PGRAG_EMBEDDING_PROVIDER", () => {
  afterEach(() => {
    delete (globalThis as { Supabase?: unknown }).Supabase;
  });

  it("is none by default: no provider, writes and searches work as before", async () => {
    expect(await select({})).toBeNull();
  });

  it("openai needs a URL and a model whose vectors fit the database", async () => {
    await expect(select({ PGRAG_EMBEDDING_PROVIDER: "openai" })).rejects.toThrow(
      /PGRAG_EMBEDDING_URL/,
    );
    const url = {
      PGRAG_EMBEDDING_PROVIDER: "openai",
      PGRAG_EMBEDDING_URL: "http://127.0.0.1:9/v1",
    };
    await expect(select({ ...url, PGRAG_EMBEDDING_MODEL: "text-embedding-3-large" })).rejects
      .toThrow(
        new ConfigError(
          "the embedding model text-embedding-3-large makes 3072-dimensional vectors but the " +
            "database stores 1536: set PGRAG_EMBEDDING_DIMENSIONS=1536 (models that can shorten " +
            "their vectors) or use a database made with PGRAG_EMBEDDING_DIM=3072",
        ),
      );
    const shortened = await select({
      ...url,
      PGRAG_EMBEDDING_MODEL: "text-embedding-3-large",
      PGRAG_EMBEDDING_DIMENSIONS: "1536",
    });
    expect(shortened).toMatchObject({ name: "openai", dimensions: 1536 });
    await expect(select({ ...url, PGRAG_EMBEDDING_DIMENSIONS: "768" })).rejects.toThrow(
      /set PGRAG_EMBEDDING_DIMENSIONS=1536/,
    );
    // A model it does not know is taken at the database's dimension, checked on every answer.
    expect(await select({ ...url, PGRAG_EMBEDDING_MODEL: "nomic-embed-text" }))
      .toMatchObject({ model: "nomic-embed-text", dimensions: 1536 });
  });

  it("supabase runs only on the Edge Runtime, at gte-small's 384 dimensions", async () => {
    await expect(select({ PGRAG_EMBEDDING_PROVIDER: "supabase" })).rejects.toThrow(ConfigError);
    (globalThis as { Supabase?: unknown }).Supabase = {
      ai: {
        Session: class {
          run() {}
        },
      },
    };
    await expect(select({ PGRAG_EMBEDDING_PROVIDER: "supabase" })).rejects.toThrow(
      /384-dimensional vectors but the database stores 1536: use a database made with PGRAG_EMBEDDING_DIM=384/,
    );
    expect(await select({ PGRAG_EMBEDDING_PROVIDER: "supabase", PGRAG_EMBEDDING_DIM: "384" }))
      .toMatchObject({ name: "supabase", model: "gte-small", dimensions: 384 });
  });

  it("local pads its 100-dimensional vectors to the database's, and refuses a smaller one", async () => {
    expect(await select({ PGRAG_EMBEDDING_PROVIDER: "local" }))
      .toMatchObject({ name: "local", dimensions: 1536 });
    await expect(select({ PGRAG_EMBEDDING_PROVIDER: "local", PGRAG_EMBEDDING_DIM: "64" }))
      .rejects.toThrow(/PGRAG_EMBEDDING_DIM/);
  });

  it("a provider that does not fit stops the server at start, saying what to set", async () => {
    const lines: string[] = [];
    const server = startServerProcess({
      env: {
        PGRAG_DATA_DIR: "memory://",
        PGRAG_EMBEDDING_PROVIDER: "openai",
        PGRAG_EMBEDDING_URL: "http://127.0.0.1:9/v1",
        PGRAG_EMBEDDING_MODEL: "text-embedding-3-large",
      },
      onLog: (line) => lines.push(line),
    });
    await expect(server).rejects.toThrow();
    expect(lines.join("\n")).toContain("set PGRAG_EMBEDDING_DIMENSIONS=1536");
  });
});
