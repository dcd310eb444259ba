import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

// `deno task ingest` as a user runs it: a process of its own against a served pgrag.
const ROOT = new URL("../../", import.meta.url).pathname;

let api: TestApi;
let server: Deno.HttpServer<Deno.NetAddr>;
let folder: string;
let env: Record<string, string>;

beforeAll(async () => {
  api = await openTestApi();
  server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, api.app.fetch);
  env = {
    PGRAG_URL: `http://127.0.0.1:${server.addr.port}/rag/v1`,
    PGRAG_API_KEY: api.keys.writer,
  };
  folder = await Deno.makeTempDir({ prefix: "pgrag-ingest-" });
  await Deno.mkdir(`${folder}/notes/deeper`, { recursive: true });
  await Deno.writeTextFile(`${folder}/tides.md`, "# Tides\n\nThe Moon's gravity raises the tides.");
  await Deno.writeTextFile(`${folder}/notes/deeper/sugar.txt`, "Plants make sugar from light.");
  await Deno.writeTextFile(`${folder}/notes/picture.png`, "not text");
  await Deno.writeTextFile(
    `${folder}/corpus.jsonl`,
    [
      { _id: "c1", title: "Orbits", text: "Planets follow ellipses." },
      { _id: "c2", title: "", text: "Comets return.", metadata: { year: 1986 } },
    ].map((line) => JSON.stringify(line)).join("\n") + "\n",
  );
});

afterAll(async () => {
  await server?.shutdown();
  await api?.close();
  await Deno.remove(folder, { recursive: true });
});

async function ingest(path: string, ...flags: string[]) {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "ingest", path, "--batch", "2", ...flags],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: run.code, stdout: decode(run.stdout), stderr: decode(run.stderr) };
}

describe("deno task ingest", () => {
  it("stores a folder's text, markdown and jsonl documents, then skips them all", async () => {
    const first = await ingest(folder);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      "documents: 4 read, 4 stored, 0 skipped (already stored), 0 failed",
    );
    expect(first.stdout).toContain("1 files of other kinds left alone");
    // Not a terminal: plain progress lines.
    expect(first.stderr).toMatch(/ingest: 4\/4 documents, \d+\/s, ETA 0 s\n/);

    const stored = await api.request("POST", "/documents/get", {
      body: { ids: ["tides.md", "notes/deeper/sugar.txt", "c1", "c2"] },
    });
    expect(stored.body.items.map((d: { file_path: string }) => d.file_path))
      .toEqual(["tides.md", "notes/deeper/sugar.txt", "corpus.jsonl", "corpus.jsonl"]);
    expect(stored.body.items[1].metadata).toMatchObject({
      folder: "notes/deeper",
      extension: "txt",
    });
    expect(stored.body.items[2]).toMatchObject({
      title: "Orbits",
      content: "Orbits\n\nPlanets follow ellipses.",
    });
    expect(stored.body.items[3].metadata).toMatchObject({
      year: 1986,
      source_file: "corpus.jsonl",
    });

    const again = await ingest(folder);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      "documents: 4 read, 0 stored, 4 skipped (already stored), 0 failed",
    );
  }, 60_000);

  it("names what failed and exits 1, storing the rest", async () => {
    const bad = `${folder}/bad`;
    await Deno.mkdir(bad);
    await Deno.writeTextFile(
      `${bad}/lines.jsonl`,
      `{"_id": "ok-1", "text": "fine"}\n{"_id": broken\n{"_id": "no-text"}\n`,
    );
    const run = await ingest(bad);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "documents: 1 read, 1 stored, 0 skipped (already stored), 2 failed",
    );
    expect(run.stdout).toContain("failed: lines.jsonl:2: not JSON");
    expect(run.stdout).toContain("failed: lines.jsonl:3: no `text`");
    const wrongKey = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "ingest", `${folder}/tides.md`, "--key", "pgrag_not-a-key"],
      cwd: ROOT,
      env,
      stdout: "piped",
    }).output();
    expect(wrongKey.code).toBe(1);
    expect(new TextDecoder().decode(wrongKey.stdout)).toMatch(/failed: tides\.md: 401/);
  }, 60_000);

  it("draws a bar with rate and ETA under a pseudo-terminal", async () => {
    const fresh = `${folder}/fresh`;
    await Deno.mkdir(fresh);
    await Deno.writeTextFile(`${fresh}/one.txt`, "one more document");
    // util-linux's `script` gives the command a terminal, as an interactive shell would.
    const command = `deno task --quiet ingest '${fresh}'`;
    const run = await new Deno.Command("script", {
      args: ["--quiet", "--return", "--command", command, "/dev/null"],
      cwd: ROOT,
      env,
      stdout: "piped",
    }).output();
    const output = new TextDecoder().decode(run.stdout);
    expect(run.code, output).toBe(0);
    expect(output).toMatch(/\r\[#{30}\] 100% 1\/1 documents, \d+\/s, ETA 0 s/);
    expect(output).toContain("1 stored");
  }, 60_000);
});
