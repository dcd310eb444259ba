import { describe, expect, it } from "vitest";
import { bundleReport, packageOf } from "../../scripts/bundle-report.ts";

describe("the edge function's bundle", () => {
  it("carries no PGlite, and stays within its budget", async () => {
    const { totalBytes, byPackage } = await bundleReport("functions/rag/index.ts");
    const packages = new Map(byPackage);
    expect([...packages.keys()].filter((name) => name.startsWith("@electric-sql/"))).toEqual([]);
    // What a Postgres or Neon deployment needs is there.
    for (const name of ["postgres", "@neondatabase/serverless", "hono", "pgrag"]) {
      expect(packages.get(name), name).toBeGreaterThan(0);
    }
    // The tokenizer's rank table ships beside the code, as a static file.
    expect(packages.has("js-tiktoken"), "js-tiktoken's code, not its table").toBe(true);
    expect(packages.get("js-tiktoken")!).toBeLessThan(20_000);
    // 1.04 MB minified (2.72 MB with PGlite, 2.13 MB with the rank table inside); a dependency
    // that grows it past the 2 MB budget should be a decision, not an accident. See
    // `deno task bundle:report`.
    expect(totalBytes).toBeLessThanOrEqual(2_000_000);
    const attributed = byPackage.reduce((sum, [, bytes]) => sum + bytes, 0);
    expect(attributed).toBe(totalBytes);
  }, 60_000);

  it("names packages from their paths", () => {
    expect(packageOf("file:///x/node_modules/.deno/hono@4/node_modules/hono/dist/a.js"))
      .toBe("hono");
    expect(packageOf("file:///x/node_modules/.deno/a@1/node_modules/@scope/pkg/src/b.ts"))
      .toBe("@scope/pkg");
    expect(packageOf("file:///repo/shared/app.ts")).toBe("pgrag");
    expect(packageOf(null)).toBe("(bundler)");
  });
});
