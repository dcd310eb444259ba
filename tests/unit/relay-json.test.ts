import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { relayJson } from "../../shared/http/relay-json.ts";

/** Serves `text` through relayJson with `options` and reads the answer back. */
async function relayed(text: string, options?: Parameters<typeof relayJson>[2]) {
  const app = new Hono().get("/", (c) => relayJson(c, text, options));
  const response = await app.request("/");
  return { type: response.headers.get("content-type"), body: await response.text() };
}

describe("relayJson", () => {
  it("answers the database's text as it came, as JSON", async () => {
    const text = '{"nodes" : [{"depth": 0, "name" : "A"}], "edges" : [], "is_truncated" : false}';
    expect(await relayed(text)).toEqual({ type: "application/json", body: text });
  });

  it("puts the text under a key", async () => {
    const { body } = await relayed('[{"a" : 1}]', { wrap: "items" });
    expect(JSON.parse(body)).toEqual({ items: [{ a: 1 }] });
  });

  it("adds the route's own members after the database's, an empty object included", async () => {
    const { body } = await relayed('{"results" : [], "exhausted" : true} ', {
      extra: { mode: "keyword", embedding_source: null },
    });
    expect(JSON.parse(body)).toEqual({
      results: [],
      exhausted: true,
      mode: "keyword",
      embedding_source: null,
    });
    expect(JSON.parse((await relayed("{}", { extra: { a: "}" } })).body)).toEqual({ a: "}" });
  });
});
