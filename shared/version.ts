import manifest from "../deno.json" with { type: "json" };

/** pgrag's version, from deno.json. */
export const VERSION: string = manifest.version;
