import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servedOpenApiDocument } from "../../shared/openapi-document.ts";

// The served document through the linters API tools run: Redocly's recommended rules and
// Spectral's `spectral:oas`. Errors fail; warnings (operations with a summary but no description,
// no contact, /health without a 4xx) are not failures and are counted in docs/testing.md.
const REDOCLY = "npm:@redocly/cli@2.77.0";
const SPECTRAL = "npm:@stoplight/spectral-cli@6.16.3";

let dir: string;
let documentPath: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "pgrag-openapi-lint-" });
  documentPath = `${dir}/openapi.json`;
  await Deno.writeTextFile(documentPath, JSON.stringify(await servedOpenApiDocument(), null, 2));
});

afterAll(() => Deno.remove(dir, { recursive: true }));

async function runJson(args: string[]): Promise<unknown> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-prompt", ...args],
    // No telemetry and no update check: the linter's answer is the only traffic.
    env: { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(run.stdout);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`${args[0]} printed no JSON: ${new TextDecoder().decode(run.stderr)}`);
  }
}

describe("the OpenAPI document under the linters", () => {
  it("has no Redocly errors (recommended rules)", async () => {
    const report = await runJson([REDOCLY, "lint", "--format=json", documentPath]) as {
      totals: { errors: number };
      problems: { ruleId: string; severity: string; message: string }[];
    };
    const errors = report.problems.filter((problem) => problem.severity === "error");
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 120_000);

  it("has no Spectral errors (spectral:oas)", async () => {
    const ruleset = `${dir}/.spectral.yaml`;
    await Deno.writeTextFile(ruleset, 'extends: ["spectral:oas"]\n');
    const results = await runJson([
      SPECTRAL,
      "lint",
      "--format=json",
      "--ruleset",
      ruleset,
      documentPath,
    ]) as { code: string; severity: number; path: string[]; message: string }[];
    // Severity 0 is an error, 1 a warning.
    const errors = results.filter((result) => result.severity === 0)
      .map((result) => `${result.code} at ${result.path.join(".")}: ${result.message}`);
    expect(errors).toEqual([]);
  }, 120_000);
});
