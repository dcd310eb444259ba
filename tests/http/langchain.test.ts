import { Document, type DocumentInterface } from "@langchain/core/documents";
import { index } from "@langchain/core/indexing";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import { SyntheticEmbeddings } from "@langchain/core/utils/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgragHybridRetriever, PgragVectorStore } from "../../clients/langchain/mod.ts";
import { openTestApi, type TestApi } from "../support/api.ts";
import { TEST_EMBEDDING_DIM } from "../support/database.ts";
import { MemoryRecordManager } from "../support/memory-record-manager.ts";

// LangChain's standard vector-store assertions, re-expressed for vitest, against pgrag through
// its HTTP API (the app in-process). Each test works in a tenant of its own: an empty store.
let api: TestApi;
const embeddings = new SyntheticEmbeddings({ vectorSize: TEST_EMBEDDING_DIM });

beforeAll(async () => {
  api = await openTestApi();
});

afterAll(async () => {
  await api?.close();
});

async function emptyStore(): Promise<PgragVectorStore> {
  const tenant = await api.addTenant();
  return new PgragVectorStore(embeddings, {
    client: {
      baseUrl: "http://pgrag.test/rag/v1",
      apiKey: tenant.keys.writer,
      fetch: (request) => Promise.resolve(api.app.fetch(request)),
    },
  });
}

const foo = () => new Document({ pageContent: "foo", metadata: { id: 1 } });
const bar = () => new Document({ pageContent: "bar", metadata: { id: 2 } });

describe("PgragVectorStore: LangChain's standard assertions", () => {
  it("finds nothing in an empty store", async () => {
    const store = await emptyStore();
    expect(await store.similaritySearch("foo", 2)).toEqual([]);
  });

  it("adds documents, returns their ids and leaves the inputs as they were", async () => {
    const store = await emptyStore();
    const documents = [foo(), bar()];
    const before = structuredClone(documents);
    const ids = await store.addDocuments(documents);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(documents).toEqual(before);
    const found = await store.similaritySearch("bar", 2);
    expect(found.map((document) => document.pageContent).sort()).toEqual(["bar", "foo"]);
    const [best] = await store.similaritySearchVectorWithScore(
      await embeddings.embedQuery("bar"),
      1,
    );
    expect(best[0]).toMatchObject({ pageContent: "bar", metadata: { id: 2 }, id: ids[1] });
    expect(best[1]).toBeCloseTo(1, 5);
  });

  it("deletes by id, in bulk, and ignores ids that are not there", async () => {
    const store = await emptyStore();
    const ids = await store.addDocuments([foo(), bar(), foo()], { ids: ["a", "b", "c"] });
    expect(ids).toEqual(["a", "b", "c"]);
    await store.delete({ ids: ["a"] });
    expect((await store.getByIds(["a", "b", "c"])).map((document) => document.id))
      .toEqual(["b", "c"]);
    await store.delete({ ids: ["b", "c"] });
    expect(await store.similaritySearch("foo", 3)).toEqual([]);
    await expect(store.delete({ ids: ["never-stored"] })).resolves.toBeUndefined();
  });

  it("adds by id idempotently, and a second add overwrites", async () => {
    const store = await emptyStore();
    await store.addDocuments([foo(), bar()], { ids: ["1", "2"] });
    await store.addDocuments([foo(), bar()], { ids: ["1", "2"] });
    expect(await store.similaritySearch("foo", 10)).toHaveLength(2);
    await store.addDocuments(
      [new Document({ pageContent: "baz", metadata: { id: 3 } })],
      { ids: ["1"] },
    );
    const [first, second] = await store.getByIds(["1", "2"]);
    expect(first).toMatchObject({ id: "1", pageContent: "baz", metadata: { id: 3 } });
    expect(second).toMatchObject({ id: "2", pageContent: "bar" });
    expect(await store.similaritySearch("anything", 10)).toHaveLength(2);
  });

  it("gets by ids in the order asked, skipping misses", async () => {
    const store = await emptyStore();
    await store.addDocuments([foo(), bar()], { ids: ["x", "y"] });
    const found = await store.getByIds(["y", "missing", "x"]);
    expect(found.map((document) => [document.id, document.pageContent]))
      .toEqual([["y", "bar"], ["x", "foo"]]);
  });

  it("filters by metadata, and builds from texts", async () => {
    const store = await PgragVectorStore.fromTexts(
      ["tides", "sugar", "tides again"],
      [{ topic: "sea", lang: "en" }, { topic: "plants", lang: "en" }, { topic: "sea", lang: "fr" }],
      embeddings,
      { client: (await emptyStore()).client },
    );
    const vector = await embeddings.embedQuery("tides");
    const sea = await store.similaritySearchVectorWithScore(vector, 10, { topic: "sea" });
    expect(sea.map(([document]) => document.pageContent).sort()).toEqual(["tides", "tides again"]);
    const french = await store.similaritySearchVectorWithScore(vector, 10, {
      topic: "sea",
      lang: "fr",
    });
    expect(french.map(([document]) => document.pageContent)).toEqual(["tides again"]);
    const retriever = store.asRetriever({ k: 1, filter: { topic: "plants" } });
    expect((await retriever.invoke("anything"))[0].pageContent).toBe("sugar");
  });

  it("raises pgrag's refusal instead of swallowing it", async () => {
    const store = await emptyStore();
    await expect(store.addVectors([[0, 0, 0]], [foo()])).rejects.toThrow(/pgrag answered 400/);
  });
});

describe("index() from @langchain/core/indexing against pgrag", () => {
  const page = (source: string, text: string) =>
    new Document({ pageContent: text, metadata: { source } });

  it("indexes incrementally and cleans up in full", async () => {
    const store = await emptyStore();
    const recordManager = new MemoryRecordManager();
    const run = (docsSource: Document[], cleanup: "incremental" | "full" = "incremental") =>
      index({
        docsSource,
        recordManager,
        vectorStore: store,
        options: { cleanup, sourceIdKey: "source" },
      });
    const pages =
      () => [page("a.md", "alpha one"), page("a.md", "alpha two"), page("b.md", "beta")];
    expect(await run(pages())).toMatchObject({ numAdded: 3, numDeleted: 0, numSkipped: 0 });
    expect(await run(pages())).toMatchObject({ numAdded: 0, numDeleted: 0, numSkipped: 3 });
    // a.md changed: its old pages go, b.md (not in this batch) stays.
    expect(await run([page("a.md", "alpha rewritten")]))
      .toMatchObject({ numAdded: 1, numDeleted: 2 });
    const stored = await store.similaritySearch("x", 10);
    expect(stored.map((document) => document.pageContent).sort())
      .toEqual(["alpha rewritten", "beta"]);
    // Full cleanup: whatever this run did not see is deleted.
    expect(await run([page("c.md", "gamma")], "full"))
      .toMatchObject({ numAdded: 1, numDeleted: 2 });
    expect((await store.similaritySearch("x", 10)).map((document) => document.pageContent))
      .toEqual(["gamma"]);
  });
});

/** The sample of BEIR's SciFact corpus in tests/fixtures (see its README for source and licence). */
async function scifactSample(): Promise<{ _id: string; title: string; text: string }[]> {
  const file = await Deno.readFile(new URL("../fixtures/scifact-sample.jsonl.gz", import.meta.url));
  const text = await new Response(
    new Blob([file]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

describe("a retrieval chain over SciFact abstracts", () => {
  it("puts the abstract each claim cites into the prompt", async () => {
    // 100 SciFact abstracts: the three the claims below cite, then the corpus's first others.
    const sample = await scifactSample();
    const claims = [
      {
        claim: "1-1% of colorectal cancer patients are diagnosed with regional or distant " +
          "metastases.",
        cited: "22942787",
      },
      {
        claim: "10% of sudden infant death syndrome (SIDS) deaths happen in newborns aged less " +
          "than 6 months.",
        cited: "2613775",
      },
      {
        claim: "32% of liver transplantation programs required patients to discontinue " +
          "methadone treatment in 2001.",
        cited: "44265107",
      },
    ];
    const cited = new Set(claims.map((claim) => claim.cited));
    expect(sample.filter((entry) => cited.has(entry._id))).toHaveLength(3);
    const store = await emptyStore();
    await store.addDocuments(
      sample.map((entry) =>
        new Document({
          pageContent: `${entry.title}\n${entry.text}`,
          metadata: { corpus: "scifact" },
        })
      ),
      { ids: sample.map((entry) => entry._id) },
    );
    // The fake embeddings carry no meaning, so the keyword arm leads the fusion here; with a real
    // model both arms count (see `deno task bench scifact`).
    const retriever = new PgragHybridRetriever({ vectorStore: store, k: 3, semanticWeight: 0.1 });
    const chain = RunnableSequence.from([
      async (claim: string) => ({ claim, sources: await retriever.invoke(claim) }),
      RunnableLambda.from((
        { claim, sources }: { claim: string; sources: DocumentInterface[] },
      ) => ({
        ids: sources.map((source) => source.id),
        prompt: `Answer from these abstracts only.\n\n${
          sources.map((source) => source.pageContent).join("\n\n")
        }\n\nClaim: ${claim}`,
      })),
    ]);
    for (const { claim, cited: id } of claims) {
      const answer = await chain.invoke(claim);
      expect(answer.ids, claim).toContain(id);
      const abstract = sample.find((entry) => entry._id === id)!.text;
      expect(answer.prompt).toContain(abstract);
    }
  }, 60_000);
});

describe("the README's LangChain.js example", () => {
  it("runs as written against a served pgrag", async () => {
    const root = new URL("../../", import.meta.url);
    const readme = Deno.readTextFileSync(new URL("README.md", root));
    const section = readme.slice(readme.indexOf("## LangChain.js vector store"));
    const code = section.match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(code).toContain("PgragVectorStore");
    const tenant = await api.addTenant();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, api.app.fetch);
    // Beside the README, so its relative import resolves as it would for a reader; the served test
    // database holds TEST_EMBEDDING_DIM dimensions instead of the example's 1536.
    const script = new URL(`.readme-example-${crypto.randomUUID()}.ts`, root);
    Deno.writeTextFileSync(
      script,
      code!.replace("vectorSize: 1536", `vectorSize: ${TEST_EMBEDDING_DIM}`),
    );
    try {
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-env", "--allow-net", "--allow-read", script.pathname],
        cwd: root.pathname,
        env: {
          PGRAG_URL: `http://127.0.0.1:${server.addr.port}/rag/v1`,
          PGRAG_API_KEY: tenant.keys.writer,
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(run.stdout);
      expect(run.code, new TextDecoder().decode(run.stderr)).toBe(0);
      // The English filter keeps the French text out; the hybrid retriever finds both.
      expect(stdout).toMatch(/^tides-en \[ "tides-en", "tides-fr" \]\n$/);
    } finally {
      Deno.removeSync(script);
      await server.shutdown();
    }
  }, 60_000);
});
