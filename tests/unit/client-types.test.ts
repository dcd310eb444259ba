import { describe, expect, it } from "vitest";
import { CLIENT_TYPES_PATH, generateClientTypes } from "../../scripts/openapi-types.ts";

describe("clients/typescript/schema.ts", () => {
  it("is what `deno task openapi:types` generates from the served document", async () => {
    const committed = await Deno.readTextFile(CLIENT_TYPES_PATH);
    // A failure here means a route changed: run `deno task openapi:types` and commit the result.
    expect(committed === await generateClientTypes()).toBe(true);
  }, 60_000);
});
