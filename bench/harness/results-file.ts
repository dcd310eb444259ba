/**
 * Where benchmarks write their Markdown reports: bench/results/<name>.md for a full run and
 * <name>-quick.md for a smoke run (gitignored), so a smoke run never overwrites the last full
 * result.
 */
const RESULTS_DIR = new URL("../results/", import.meta.url);

/**
 * Writes the report, formats it with the project's `deno fmt` settings (which wrap Markdown
 * prose at 100 columns), so a committed result never fails `deno task check`, and returns the
 * file's URL.
 */
export async function writeResults(name: string, quick: boolean, text: string): Promise<URL> {
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  const file = new URL(quick ? `${name}-quick.md` : `${name}.md`, RESULTS_DIR);
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
