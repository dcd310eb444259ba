/** The one place outside entrypoints that touches the Deno namespace for configuration. */
export function readEnv(): Record<string, string | undefined> {
  return Deno.env.toObject();
}
