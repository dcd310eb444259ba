import swaggerUiFolder from "swagger-ui-dist/absolute-path.js";

/**
 * Files pgrag reads at run time instead of carrying them in its code: the reference page's
 * script and styles, and the tokenizer's rank table (data, not code: it would be half the
 * bundle, and only a document that arrives without chunks needs it).
 *
 * A deployment ships them as one folder: `deno task assets` writes it next to the entrypoint and
 * `supabase/config.toml` uploads it as the function's `static_files`. Where that folder is
 * absent (a checkout run with `deno task start`), each file comes from its pinned npm package.
 */
export const STATIC_FILES = {
  "swagger-ui-bundle.js": fromSwaggerUi("swagger-ui-bundle.js"),
  "swagger-ui.css": fromSwaggerUi("swagger-ui.css"),
  "favicon-32x32.png": fromSwaggerUi("favicon-32x32.png"),
  "cl100k_base.json": async () => {
    // A specifier bundlers cannot follow, so the table stays out of the bundle.
    const specifier = ["js-tiktoken", "ranks", "cl100k_base"].join("/");
    const ranks = (await import(specifier)).default;
    return new TextEncoder().encode(JSON.stringify(ranks));
  },
} satisfies Record<string, () => Promise<Uint8Array>>;

export type StaticFileName = keyof typeof STATIC_FILES;

function fromSwaggerUi(name: string) {
  return () => Deno.readFile(`${swaggerUiFolder()}/${name}`);
}

// Set once at start by the server (see `createServer`); module state because the tokenizer, deep
// in the write path, reads it too.
let folder: URL | undefined;
const cache = new Map<StaticFileName, Promise<Uint8Array>>();

/** Where the deployment's copy of the static files is, if it has one. */
export function useStaticFolder(url: URL | undefined): void {
  folder = url;
  cache.clear();
}

/** A static file's bytes: the deployed copy, else the package's; read once per isolate. */
export function readStaticFile(name: StaticFileName): Promise<Uint8Array> {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = readDeployedCopy(name).then((copy) => copy ?? STATIC_FILES[name]());
    cache.set(name, bytes);
    bytes.catch(() => cache.delete(name));
  }
  return bytes;
}

async function readDeployedCopy(name: StaticFileName): Promise<Uint8Array | undefined> {
  if (!folder) return undefined;
  try {
    return await Deno.readFile(new URL(name, folder));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
