import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

describe("GET /documents keyset pagination", () => {
  let api: TestApi;
  const original: string[] = [];
  beforeAll(async () => {
    api = await openTestApi();
    // One request: all 25 share created_at and updated_at, so only the id breaks the ties.
    const documents = Array.from({ length: 25 }, (_, i) => ({
      id: `p-${String(i).padStart(2, "0")}`,
      content: `page test ${i}`,
    }));
    original.push(...documents.map((document) => document.id));
    expect((await api.request("POST", "/documents", { body: { documents } })).status).toBe(200);
  });
  afterAll(() => api.close());

  it.each(["updated_at_desc", "created_at_desc", "id"])(
    "order %s: no duplicates and no holes while rows are inserted between pages",
    async (order) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let inserted = 0;
      do {
        const query: string = `order=${order}&limit=7${cursor ? `&cursor=${cursor}` : ""}`;
        const page = await api.request("GET", `/documents?${query}`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.body.items.map((item: { id: string }) => item.id));
        cursor = page.body.next_cursor;
        // Newer rows (and, for id order, ids on both sides of the cursor) arrive mid-listing.
        await api.request("POST", "/documents", {
          body: {
            documents: [
              { id: `p-${order}-${inserted}`, content: `inserted ${order} ${inserted}` },
              { id: `a-${order}-${inserted}`, content: `early id ${order} ${inserted}` },
            ],
          },
        });
        inserted++;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of original) expect(seen).toContain(id);
      if (order !== "id") {
        // Rows newer than the first page never appear on later pages of a newest-first listing.
        expect(seen.filter((id) => id.includes(`-${order}-`))).toEqual([]);
      }
    },
  );

  it("orders by id ascending and by time newest first", async () => {
    const byId = await api.request("GET", "/documents?order=id&limit=200");
    const ids = byId.body.items.map((item: { id: string }) => item.id);
    expect(ids).toEqual([...ids].sort());
    const byTime = await api.request("GET", "/documents?limit=200");
    const times = byTime.body.items.map((item: { updated_at: string }) => item.updated_at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it("refuses a cursor made for another order", async () => {
    const first = await api.request("GET", "/documents?order=id&limit=2");
    const reused = await api.request(
      "GET",
      `/documents?order=created_at_desc&cursor=${first.body.next_cursor}`,
    );
    expect(reused.status).toBe(400);
    expect(reused.body.errors[0].path).toBe("cursor");
  });
});
