import type { Context } from "hono";

/**
 * Answers 200 with JSON text the database wrote (a SQL function's `json` read as `::text`),
 * as it came: a route that only relays rows would otherwise have the driver parse the text into
 * objects and `c.json` print them again, which for a subgraph of thousands of edges or a search
 * returning embeddings is most of the time the process spends on the request. `wrap` names the
 * key to put the text under (`{"items": ...}`), and `extra` adds members the route knows itself
 * after the database's own (its text must be an object then). Both are JSON the route builds:
 * nothing here parses what the database sent.
 */
export function relayJson(
  c: Context,
  text: string,
  options: { wrap?: string; extra?: Record<string, unknown> } = {},
): Response {
  let body = options.wrap === undefined ? text : `{${JSON.stringify(options.wrap)}:${text}}`;
  if (options.extra && Object.keys(options.extra).length > 0) {
    // An object's text ends with its closing brace; the members go just before it.
    const head = body.slice(0, body.lastIndexOf("}")).trimEnd();
    body = `${head}${head.endsWith("{") ? "" : ","}${JSON.stringify(options.extra).slice(1)}`;
  }
  return c.body(body, 200, { "Content-Type": "application/json" });
}
