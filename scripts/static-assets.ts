/**
 * `deno task assets [folder]`: writes the static files a deployment ships beside its code (the
 * reference page's script and styles, the tokenizer's rank table) from their pinned packages,
 * into functions/rag/static/ by default, where supabase/config.toml's `static_files` picks them
 * up. Run it before `supabase functions deploy`, or before bundling the function elsewhere.
 */
import { STATIC_FILES, type StaticFileName } from "../shared/static/files.ts";

export const DEFAULT_STATIC_FOLDER = new URL("../functions/rag/static/", import.meta.url);

/** Writes every static file into `folder`; returns each name with its size in bytes. */
export async function writeStaticFiles(folder: URL): Promise<[StaticFileName, number][]> {
  await Deno.mkdir(folder, { recursive: true });
  const written: [StaticFileName, number][] = [];
  for (
    const [name, read] of Object.entries(STATIC_FILES) as [
      StaticFileName,
      () => Promise<Uint8Array>,
    ][]
  ) {
    const bytes = await read();
    await Deno.writeFile(new URL(name, folder), bytes);
    written.push([name, bytes.length]);
  }
  return written;
}

if (import.meta.main) {
  const target = Deno.args[0];
  const folder = target
    ? new URL(target.endsWith("/") ? target : `${target}/`, `file://${Deno.cwd()}/`)
    : DEFAULT_STATIC_FOLDER;
  for (const [name, bytes] of await writeStaticFiles(folder)) {
    console.log(`${(bytes / 1000).toFixed(1).padStart(8)} kB  ${name}`);
  }
  console.log(`wrote ${folder.pathname}`);
}
