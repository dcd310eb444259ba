import { afterAll, beforeAll, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

// The MCP project's own conformance checker, run against pgrag as a user's CI would. Its client
// sends no credentials, so a front on the loopback adds a reader key to each request, changing
// nothing else (Host and Origin reach pgrag as the checker sent them).
const CHECKER = "npm:@modelcontextprotocol/conformance@0.1.16";

/** Scenarios pgrag must pass: what a stateless tool server without prompts or resources has. */
const REQUIRED = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "dns-rebinding-protection",
];

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
}

let api: TestApi;
let front: Deno.HttpServer<Deno.NetAddr>;

beforeAll(async () => {
  api = await openTestApi();
  front = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request, info) => {
    const headers = new Headers(request.headers);
    headers.set("x-api-key", api.keys.reader);
    return api.app.fetch(new Request(request, { headers }), info);
  });
});

afterAll(async () => {
  await front?.shutdown();
  await api?.close();
});

/** Runs the checker's whole active suite once; the checks of each scenario it ran, by name. */
async function runSuite(outputDir: string): Promise<Map<string, Check[]>> {
  const url = `http://127.0.0.1:${front.addr.port}/rag/v1/mcp`;
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHECKER, "server", "--url", url, "--suite", "active", "-o", outputDir],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  // The suite exits non-zero while any scenario fails (prompts, resources...): judged below.
  const { stdout, stderr } = await command.output();
  const results = new Map<string, Check[]>();
  for (const entry of Deno.readDirSync(outputDir)) {
    const scenario = /^server-(.+)-\d{4}-\d\d-\d\dT/.exec(entry.name)?.[1];
    if (!scenario) continue;
    results.set(
      scenario,
      JSON.parse(Deno.readTextFileSync(`${outputDir}/${entry.name}/checks.json`)),
    );
  }
  if (results.size === 0) {
    const decoder = new TextDecoder();
    throw new Error(`no results\n${decoder.decode(stdout)}\n${decoder.decode(stderr)}`);
  }
  return results;
}

it("passes the MCP conformance scenarios of a stateless tool server", async () => {
  const outputDir = Deno.makeTempDirSync({ prefix: "pgrag-mcp-conformance-" });
  const results = await runSuite(outputDir);
  const report: string[] = [];
  const failures: string[] = [];
  for (const [scenario, checks] of [...results].sort()) {
    const judged = checks.filter((check) => check.status !== "INFO");
    const failed = judged.filter((check) => check.status === "FAILURE");
    report.push(`${failed.length === 0 ? "pass" : "FAIL"}  ${scenario}`);
    if (REQUIRED.includes(scenario)) {
      if (judged.length === 0) failures.push(`${scenario} judged nothing`);
      for (const check of failed) failures.push(`${scenario}/${check.id}: ${check.errorMessage}`);
    }
  }
  // The whole table in the run's output: which optional scenarios pass is worth seeing too.
  console.log(`MCP conformance (${CHECKER}):\n${report.join("\n")}`);
  for (const scenario of REQUIRED) expect(results.has(scenario), scenario).toBe(true);
  expect(failures).toEqual([]);
}, 300_000);
