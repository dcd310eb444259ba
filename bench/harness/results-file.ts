/**
 * Where benchmarks write their reports: bench/results/<name>.md for a full run and
 * <name>-quick.md for a smoke or tuning run (gitignored), so a smoke run never overwrites the
 * last full result.
 */
const RESULTS_DIR = new URL("../results/", import.meta.url);

/**
 * Writes the report, formats it with the project's `deno fmt` settings (which wrap Markdown
 * prose at 100 columns), so a committed result never fails `deno task check`, and returns the
 * file's URL.
 */
export async function writeResults(name: string, partial: boolean, text: string): Promise<URL> {
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  const file = new URL(partial ? `${name}-quick.md` : `${name}.md`, RESULTS_DIR);
  await Deno.writeTextFile(file, text);
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", file.pathname],
    stdout: "inherit",
    stderr: "inherit",
  });
  const { success } = await fmt.output();
  if (!success) throw new Error(`deno fmt failed on ${file.pathname}`);
  return file;
}

/** A full run's raw numbers beside its report, as bench/results/<name>.json. */
export async function writeJsonResults(name: string, data: unknown): Promise<URL> {
  const file = new URL(`${name}.json`, RESULTS_DIR);
  await Deno.writeTextFile(file, JSON.stringify(data, null, 2) + "\n");
  return file;
}
