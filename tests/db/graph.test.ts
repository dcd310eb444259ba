import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

/** Entities whose stored degree differs from a count of their relations (read as superuser). */
async function wrongDegrees(api: TestApi) {
  return await api.test.db.transaction((tx) =>
    tx.query(
      `select e.name, e.degree,
              (select count(*) from pgrag.relations r
                where r.tenant_id = e.tenant_id and e.id in (r.source_id, r.target_id))::int
                as counted
         from pgrag.entities e
        where e.degree <> (select count(*) from pgrag.relations r
                            where r.tenant_id = e.tenant_id and e.id in (r.source_id, r.target_id))`,
    )
  );
}

describe("the graph's maintained degrees", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(() => api.close());

  it("equal a recount after mixed upserts and deletes", async () => {
    let seed = 11;
    const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    const name = () => `e${random(40)}`;
    await api.request("POST", "/documents", {
      body: {
        documents: [0, 1, 2].map((d) => ({
          id: `doc-${d}`,
          content: `document ${d}`,
          chunks: [{ id: `chunk-${d}`, content: `chunk of document ${d}` }],
        })),
      },
    });
    for (let round = 0; round < 12; round++) {
      const relations = new Map<string, unknown>();
      for (let i = 0; i < 25; i++) {
        const [a, b] = [name(), name()];
        if (a === b) continue;
        relations.set([a, b].sort().join("|"), {
          source: a,
          target: b,
          source_chunk_ids: [`chunk-${random(3)}`],
        });
      }
      const upsert = await api.request("POST", "/graph/relations", {
        body: { relations: [...relations.values()] },
      });
      expect(upsert.status).toBe(200);
      await api.request("DELETE", `/graph/entities/${name()}`);
      await api.request("POST", "/graph/relations/delete", {
        body: { pairs: [[name(), name()], [name(), name()]] },
      });
      expect(await wrongDegrees(api), `round ${round}`).toEqual([]);
    }
    await api.request("POST", "/documents/delete", { body: { ids: ["doc-1"] } });
    expect(await wrongDegrees(api)).toEqual([]);
  });

  it(
    "stay right when writers race on the same hubs, without deadlocks",
    async () => {
      const writes = Array.from({ length: 8 }, (_, w) =>
        api.request("POST", "/graph/relations", {
          body: {
            relations: Array.from({ length: 30 }, (_, i) => ({
              // Every writer touches the hubs in a different order.
              source: `hub-${(i + w) % 3}`,
              target: `leaf-${w}-${i}`,
            })),
          },
        }));
      const responses = await Promise.all(writes);
      expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
      const hubs = await api.request("POST", "/graph/entities/get", {
        body: { names: ["hub-0", "hub-1", "hub-2"] },
      });
      expect(hubs.body.items.map((h: { degree: number }) => h.degree)).toEqual([80, 80, 80]);
      expect(await wrongDegrees(api)).toEqual([]);
    },
  );
});
