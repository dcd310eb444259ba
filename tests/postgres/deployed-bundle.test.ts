import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFunction } from "../../scripts/bundle-report.ts";
import { writeStaticFiles } from "../../scripts/static-assets.ts";
import { chunkByTokens, cl100k } from "../../shared/text/chunking.ts";
import { createApiKey } from "../support/api.ts";
import {
  createTenant,
  openTestDatabase,
  type TestDatabase,
  testServer,
} from "../support/database.ts";
import { driverEnv, type ServerProcess, startServerProcess } from "../support/server-process.ts";

/**
 * The function as a deployment ships it: one bundle and the static folder `deno task assets`
 * writes beside it, run from that folder with no deno.json, import map or node_modules. What the
 * bundle leaves out (the tokenizer's table, the page's assets) must come from the folder.
 */
describe("the bundled function with its static folder", () => {
  let test: TestDatabase;
  let folder: string;
  let server: ServerProcess;
  let key: string;
  const env = () => driverEnv("postgres", { databaseUrl: testServer().databaseUrl, wsProxy: "" });

  beforeAll(async () => {
    test = await openTestDatabase();
    key = await createApiKey(test.db, await createTenant(test.db, "deployed bundle"), "writer");
    folder = await Deno.makeTempDir({ prefix: "pgrag-deploy-" });
    await bundleFunction("functions/rag/index.ts", `${folder}/index.js`);
    await writeStaticFiles(new URL(`file://${folder}/static/`));
    server = await startServerProcess({ env: env(), bundle: `${folder}/index.js` });
  }, 120_000);
  afterAll(async () => {
    await server?.kill("SIGTERM");
    await test?.close();
    if (folder) await Deno.remove(folder, { recursive: true });
  });

  const post = (origin: string, path: string, body: unknown) =>
    fetch(`${origin}/rag/v1${path}`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("chunks documents with the tokenizer table from the folder", async () => {
    const content = Array.from({ length: 300 }, (_, i) => `Sentence ${i} of a long text.`)
      .join(" ");
    const response = await post(server.origin, "/documents", {
      documents: [{ id: "deployed-doc", content }],
      chunking: { max_tokens: 200, overlap_tokens: 20 },
    });
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    // The same windows the source's tokenizer cuts: the table in the folder is cl100k's.
    const expected = chunkByTokens(await cl100k(), content, { maxTokens: 200, overlapTokens: 20 });
    expect(expected.length).toBeGreaterThan(5);
    expect(body.documents[0].chunks_count).toBe(expected.length);
  });

  it("serves the reference page's assets from the folder", async () => {
    const page = await (await fetch(`${server.origin}/rag/v1/docs`)).text();
    const script = /src="([^"]*swagger-ui-bundle\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const response = await fetch(`${server.origin}/rag/v1/${script}`);
    expect(response.status).toBe(200);
    const served = new Uint8Array(await response.arrayBuffer());
    const shipped = await Deno.readFile(`${folder}/static/swagger-ui-bundle.js`);
    expect(served.length).toBe(shipped.length);
  });

  it("says what is missing when deployed without the folder, instead of chunking wrong", async () => {
    const bare = await startServerProcess({
      env: { ...env(), PGRAG_STATIC_DIR: `${folder}/no-such-folder` },
      bundle: `${folder}/index.js`,
    });
    try {
      const response = await post(bare.origin, "/documents", {
        documents: [{ id: "never-stored", content: "some text to chunk" }],
      });
      expect(response.status).toBe(500);
      expect((await response.json()).detail).toContain("deno task assets");
      // A document that brings its own chunks needs no tokenizer.
      const chunked = await post(bare.origin, "/documents", {
        documents: [{ id: "own-chunks", content: "text", chunks: [{ content: "text" }] }],
      });
      expect(chunked.status, await chunked.clone().text()).toBe(200);
      const page = await fetch(`${bare.origin}/rag/v1/docs`);
      const script = /src="([^"]*swagger-ui-bundle\.js)"/.exec(await page.text())?.[1];
      expect((await fetch(`${bare.origin}/rag/v1/${script}`)).status).toBe(404);
    } finally {
      await bare.kill("SIGTERM");
    }
  });
});
