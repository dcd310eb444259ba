/**
 * `deno task bundle:report [entry]`: bundles the edge function as a deployment would ship it (one
 * minified file) and attributes its bytes to the packages they come from, through the bundle's
 * source map, then lists the static files shipped beside it. tests/unit/bundle.test.ts holds the
 * bundle to its budget with the same function.
 */
import { SourceMapConsumer } from "source-map-js";
import { STATIC_FILES } from "../shared/static/files.ts";

export interface BundleReport {
  /** Bytes of the minified bundle. */
  totalBytes: number;
  /** Bytes by package (`pgrag` for this repository's own code), largest first. */
  byPackage: [name: string, bytes: number][];
}

/** Bundles `entry` into the single minified file `out` (with `out.map` beside it). */
export async function bundleFunction(entry: string, out: string): Promise<void> {
  const args = ["bundle", "--quiet", "--platform", "deno", "--minify"];
  const run = await new Deno.Command(Deno.execPath(), {
    args: [...args, "--sourcemap", "external", "--output", out, entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!run.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(run.stderr)}`);
  }
}

export async function bundleReport(entry: string): Promise<BundleReport> {
  const dir = await Deno.makeTempDir({ prefix: "pgrag-bundle-" });
  try {
    const out = `${dir}/bundle.js`;
    await bundleFunction(entry, out);
    const code = await Deno.readTextFile(out);
    const map = new SourceMapConsumer(JSON.parse(await Deno.readTextFile(`${out}.map`)));
    return { totalBytes: utf8Bytes(code), byPackage: bytesBySource(code, map) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Each mapping covers the generated text up to the next mapping on its line; text before a line's
 * first mapping, or of no mapping at all, is the bundler's own glue.
 */
function bytesBySource(code: string, map: SourceMapConsumer): [string, number][] {
  const lines = code.split("\n");
  const starts = new Map<number, { column: number; source: string | null }[]>();
  map.eachMapping((mapping) => {
    const line = starts.get(mapping.generatedLine) ?? [];
    line.push({ column: mapping.generatedColumn, source: mapping.source });
    starts.set(mapping.generatedLine, line);
  });
  const totals = new Map<string, number>();
  const add = (name: string, text: string) =>
    totals.set(name, (totals.get(name) ?? 0) + utf8Bytes(text));
  lines.forEach((text, index) => {
    const mappings = (starts.get(index + 1) ?? []).sort((a, b) => a.column - b.column);
    const newline = index < lines.length - 1 ? "\n" : "";
    add("(bundler)", text.slice(0, mappings[0]?.column ?? text.length) + newline);
    mappings.forEach((mapping, i) => {
      const end = mappings[i + 1]?.column ?? text.length;
      add(packageOf(mapping.source), text.slice(mapping.column, end));
    });
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** `…/node_modules/@scope/name/dist/x.js` → `@scope/name`; this repository's files → `pgrag`. */
export function packageOf(source: string | null): string {
  if (!source) return "(bundler)";
  const npm = [...source.matchAll(/node_modules\/((?:@[^/]+\/)?[^/.][^/]*)\//g)].at(-1);
  if (npm) return npm[1];
  const jsr = source.match(/jsr\.io\/(@[^/]+\/[^/]+)\//);
  if (jsr) return jsr[1];
  return "pgrag";
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

if (import.meta.main) {
  const entry = Deno.args[0] ?? "functions/rag/index.ts";
  const { totalBytes, byPackage } = await bundleReport(entry);
  const kb = (bytes: number) => (bytes / 1000).toFixed(1).padStart(8);
  console.log(`${entry}: ${kb(totalBytes).trim()} kB minified\n`);
  console.log("| package | kB | share |\n|---|---:|---:|");
  for (const [name, bytes] of byPackage) {
    console.log(`| ${name} | ${kb(bytes).trim()} | ${(100 * bytes / totalBytes).toFixed(1)}% |`);
  }
  // What ships beside the code (`deno task assets`), read only when a request needs it.
  console.log("\n| static file, beside the bundle | kB |\n|---|---:|");
  for (const [name, read] of Object.entries(STATIC_FILES)) {
    console.log(`| ${name} | ${kb((await read()).length).trim()} |`);
  }
}
